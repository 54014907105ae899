using System.Security.Cryptography;

namespace Nexodus.Mesh.Core.Keys;

/// <summary>
/// Anonymous sealing to a recipient's public key: only the holder of the matching private key can open it.
/// An ephemeral X25519 key is created per message; the AEAD key is HKDF-SHA256 of the shared secret with both
/// public keys as salt, so a box cannot be re-targeted. (The original project "sealed" with two public values,
/// which anyone could open; this does not.)
/// <code>
/// sealed = version(1) | ephemeral public key(32) | ChaCha20-Poly1305(plaintext) | tag(16)
/// </code>
/// </summary>
public static class SealedBox
{
    public const byte Version = 1;
    public const int Overhead = 1 + PublicKey.Size + TagSize;
    private const int TagSize = 16;
    private static readonly byte[] Info = "nexodus-mesh sealed-box v1"u8.ToArray();

    public static byte[] Seal(PublicKey recipient, ReadOnlySpan<byte> plaintext)
    {
        using var ephemeral = PrivateKey.Generate();
        var output = new byte[Overhead + plaintext.Length];
        output[0] = Version;
        ephemeral.PublicKey.Span.CopyTo(output.AsSpan(1));
        Span<byte> key = stackalloc byte[32];
        Span<byte> salt = stackalloc byte[64];
        ephemeral.PublicKey.Span.CopyTo(salt);
        recipient.Span.CopyTo(salt[32..]);
        if (!ephemeral.TryDerive(recipient, salt, Info, key))
        {
            throw new ArgumentException("recipient public key is a low-order point", nameof(recipient));
        }

        // A fresh ephemeral key per message makes the AEAD key single-use, so a zero nonce is safe.
        Span<byte> nonce = stackalloc byte[12];
        using var aead = new ChaCha20Poly1305(key);
        aead.Encrypt(nonce, plaintext, output.AsSpan(1 + PublicKey.Size, plaintext.Length), output.AsSpan(output.Length - TagSize), salt);
        CryptographicOperations.ZeroMemory(key);
        return output;
    }

    /// <summary>Opens a sealed box; false when it is malformed, not for this key, or tampered with.</summary>
    public static bool TryOpen(PrivateKey recipient, ReadOnlySpan<byte> sealedBox, out byte[] plaintext)
    {
        plaintext = [];
        if (sealedBox.Length < Overhead || sealedBox[0] != Version)
        {
            return false;
        }

        var ephemeral = PublicKey.FromBytes(sealedBox.Slice(1, PublicKey.Size));
        Span<byte> key = stackalloc byte[32];
        Span<byte> salt = stackalloc byte[64];
        ephemeral.Span.CopyTo(salt);
        recipient.PublicKey.Span.CopyTo(salt[32..]);
        if (!recipient.TryDerive(ephemeral, salt, Info, key))
        {
            return false;
        }

        var body = sealedBox[(1 + PublicKey.Size)..^TagSize];
        var result = new byte[body.Length];
        Span<byte> nonce = stackalloc byte[12];
        try
        {
            using var aead = new ChaCha20Poly1305(key);
            aead.Decrypt(nonce, body, sealedBox[^TagSize..], result, salt);
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }

        plaintext = result;
        return true;
    }
}
