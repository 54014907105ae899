using System.Globalization;

namespace Nexodus.Mesh.Stun.Tests;

internal static class Hex
{
    /// <summary>Parses hex with any whitespace between bytes.</summary>
    public static byte[] Parse(string text)
    {
        var digits = new string(text.Where(c => !char.IsWhiteSpace(c)).ToArray());
        var bytes = new byte[digits.Length / 2];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = byte.Parse(digits.AsSpan(i * 2, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        }

        return bytes;
    }

    public static string Format(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes).ToLowerInvariant();
}
