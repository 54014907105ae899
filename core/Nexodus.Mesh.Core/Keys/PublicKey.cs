using System.Buffers.Text;
using System.Security.Cryptography;

namespace Nexodus.Mesh.Core.Keys;

/// <summary>
/// A Curve25519 public key: a node key (WireGuard static key, relay address) or a disco key.
/// Text form is standard base64 of the 32 raw bytes, as WireGuard tools print it.
/// </summary>
public readonly struct PublicKey : IEquatable<PublicKey>
{
    public const int Size = 32;

    private readonly byte[]? _bytes;

    private PublicKey(byte[] bytes) => _bytes = bytes;

    public ReadOnlySpan<byte> Span => _bytes ?? throw new InvalidOperationException("default PublicKey has no value");

    public bool IsEmpty => _bytes is null;

    public static PublicKey FromBytes(ReadOnlySpan<byte> raw)
    {
        if (raw.Length != Size)
        {
            throw new ArgumentException($"a public key is {Size} bytes, got {raw.Length}", nameof(raw));
        }

        return new PublicKey(raw.ToArray());
    }

    /// <summary>Parses the base64 text form; false for anything that is not exactly 32 bytes of standard base64.</summary>
    public static bool TryParse(string? text, out PublicKey key)
    {
        key = default;
        if (text is null || text.Length != 44)
        {
            return false;
        }

        Span<byte> raw = stackalloc byte[Size + 2];
        if (!Convert.TryFromBase64String(text, raw, out var written) || written != Size)
        {
            return false;
        }

        key = new PublicKey(raw[..Size].ToArray());
        return true;
    }

    public static PublicKey Parse(string text) =>
        TryParse(text, out var key) ? key : throw new FormatException("not a public key: expected 44 characters of base64 encoding 32 bytes");

    public override string ToString() => _bytes is null ? "" : Convert.ToBase64String(_bytes);

    /// <summary>Short fingerprint for humans (approval pages, logs): first 8 bytes of SHA-256, base64url.</summary>
    public string Fingerprint()
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Span, hash);
        return Base64Url.EncodeToString(hash[..9]);
    }

    public bool Equals(PublicKey other) =>
        _bytes is null ? other._bytes is null : other._bytes is not null && CryptographicOperations.FixedTimeEquals(_bytes, other._bytes);

    public override bool Equals(object? obj) => obj is PublicKey other && Equals(other);

    public override int GetHashCode() => _bytes is null ? 0 : BitConverter.ToInt32(_bytes, 0);

    public static bool operator ==(PublicKey left, PublicKey right) => left.Equals(right);

    public static bool operator !=(PublicKey left, PublicKey right) => !left.Equals(right);
}
