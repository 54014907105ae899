using System.Security.Cryptography;
using NSec.Cryptography;

namespace Nexodus.Mesh.Core.Keys;

/// <summary>
/// A Curve25519 private key (node key or disco key). X25519 comes from NSec (libsodium); the raw bytes are kept
/// only so the key can be persisted to the state dir and handed to the WireGuard engine.
/// </summary>
public sealed class PrivateKey : IDisposable
{
    public const int Size = 32;

    private readonly Key _key;

    private PrivateKey(Key key)
    {
        _key = key;
        PublicKey = PublicKey.FromBytes(key.PublicKey.Export(KeyBlobFormat.RawPublicKey));
    }

    public PublicKey PublicKey { get; }

    public static PrivateKey Generate() => new(Key.Create(KeyAgreementAlgorithm.X25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport }));

    public static PrivateKey FromBytes(ReadOnlySpan<byte> raw)
    {
        if (raw.Length != Size)
        {
            throw new ArgumentException($"a private key is {Size} bytes, got {raw.Length}", nameof(raw));
        }

        return new PrivateKey(Key.Import(KeyAgreementAlgorithm.X25519, raw, KeyBlobFormat.RawPrivateKey, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport }));
    }

    public static bool TryParse(string? text, out PrivateKey? key)
    {
        key = null;
        if (text is null || text.Length != 44)
        {
            return false;
        }

        Span<byte> raw = stackalloc byte[Size + 2];
        try
        {
            if (!Convert.TryFromBase64String(text, raw, out var written) || written != Size)
            {
                return false;
            }

            key = FromBytes(raw[..Size]);
            return true;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(raw);
        }
    }

    /// <summary>The raw 32 bytes; the caller must clear them when done.</summary>
    public byte[] ExportBytes() => _key.Export(KeyBlobFormat.RawPrivateKey);

    /// <summary>Base64 text form (as `wg genkey` prints it).</summary>
    public string ExportText()
    {
        var raw = ExportBytes();
        try
        {
            return Convert.ToBase64String(raw);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(raw);
        }
    }

    /// <summary>
    /// X25519 with a peer's public key, then HKDF-SHA256 to <paramref name="output"/>. False when the result is the
    /// all-zero point (a low-order peer key), which must be rejected.
    /// </summary>
    public bool TryDerive(PublicKey peer, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> info, Span<byte> output)
    {
        var pub = NSec.Cryptography.PublicKey.Import(KeyAgreementAlgorithm.X25519, peer.Span, KeyBlobFormat.RawPublicKey);
        using var shared = KeyAgreementAlgorithm.X25519.Agree(_key, pub);
        if (shared is null)
        {
            return false;
        }

        KeyDerivationAlgorithm.HkdfSha256.DeriveBytes(shared, salt, info, output);
        return true;
    }

    /// <summary>Raw X25519 (RFC 7748) shared secret; for protocols that do their own key schedule and for test vectors.</summary>
    public bool TryAgreeRaw(PublicKey peer, Span<byte> output)
    {
        if (output.Length != 32)
        {
            throw new ArgumentException("X25519 output is 32 bytes", nameof(output));
        }

        var pub = NSec.Cryptography.PublicKey.Import(KeyAgreementAlgorithm.X25519, peer.Span, KeyBlobFormat.RawPublicKey);
        using var shared = KeyAgreementAlgorithm.X25519.Agree(_key, pub, new SharedSecretCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });
        if (shared is null)
        {
            return false;
        }

        var bytes = shared.Export(SharedSecretBlobFormat.RawSharedSecret);
        bytes.CopyTo(output);
        CryptographicOperations.ZeroMemory(bytes);
        return true;
    }

    public void Dispose() => _key.Dispose();
}
