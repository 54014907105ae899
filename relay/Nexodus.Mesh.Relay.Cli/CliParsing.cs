using System.Globalization;
using System.Net;
using Nexodus.Mesh.Core.Keys;

namespace Nexodus.Mesh.Relay.Cli;

/// <summary>Parsers for flag values; each throws <see cref="ArgumentException"/> naming the flag and the expected form.</summary>
internal static class CliParsing
{
    public static IPEndPoint Endpoint(string flag, string value, int defaultPort)
    {
        if (IPEndPoint.TryParse(value, out var ep))
        {
            if (ep.Port == 0 && !value.EndsWith(":0", StringComparison.Ordinal))
            {
                ep.Port = defaultPort;
            }

            return ep;
        }

        if (value.StartsWith(':') && int.TryParse(value[1..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port <= 65535)
        {
            return new IPEndPoint(IPAddress.IPv6Any, port);
        }

        throw new ArgumentException($"{flag} {value}: expected ADDRESS:PORT (e.g. 0.0.0.0:{defaultPort}, [::]:{defaultPort} or :{defaultPort})");
    }

    /// <summary>A mesh key as hex or base64, at least 16 bytes.</summary>
    public static byte[] MeshKey(string flag, string text)
    {
        text = text.Trim();
        byte[]? key = null;
        if (text.Length % 2 == 0 && text.All(Uri.IsHexDigit))
        {
            key = Convert.FromHexString(text);
        }
        else
        {
            var buffer = new byte[text.Length];
            if (Convert.TryFromBase64String(text, buffer, out var n))
            {
                key = buffer[..n];
            }
        }

        if (key is null || key.Length < 16)
        {
            throw new ArgumentException($"{flag}: the mesh key must be hex or base64 of at least 16 bytes (generate one with: openssl rand -hex 32)");
        }

        return key;
    }

    /// <summary>Sizes like 10M, 1.5G, 512K (bytes, powers of 1024) or a plain number.</summary>
    public static long Bytes(string flag, string text)
    {
        text = text.Trim();
        var multiplier = 1L;
        if (text.Length > 0 && char.IsLetter(text[^1]))
        {
            multiplier = char.ToUpperInvariant(text[^1]) switch
            {
                'K' => 1024L,
                'M' => 1024L * 1024,
                'G' => 1024L * 1024 * 1024,
                _ => throw new ArgumentException($"{flag} {text}: unknown unit; use a number of bytes or K, M, G"),
            };
            text = text[..^1];
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < 0)
        {
            throw new ArgumentException($"{flag} {text}: expected a non-negative number of bytes, optionally with K, M or G");
        }

        return (long)(value * multiplier);
    }

    /// <summary>Loads the relay's static key, creating it (mode 0600) on first start so the relay map key stays stable.</summary>
    public static PrivateKey LoadOrCreateKey(string path)
    {
        if (File.Exists(path))
        {
            var text = File.ReadAllText(path).Trim();
            if (!PrivateKey.TryParse(text, out var key))
            {
                throw new ArgumentException($"--key-file {path}: not a base64 Curve25519 private key (delete it to generate a new one)");
            }

            return key!;
        }

        var created = PrivateKey.Generate();
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null)
        {
            Directory.CreateDirectory(dir);
        }

        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(path, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.WriteLine(created.ExportText());
        }

        return created;
    }
}
