using System.Security.Cryptography;

namespace Nexodus.Mesh.Core.Keys;

/// <summary>
/// Authenticated sealing between two static keys: opening it proves the sender holds the private key of
/// <c>sender</c> (used by a relay client to prove it owns its node key, and for disco messages). The AEAD key is
/// HKDF-SHA256 of X25519(sender, recipient) with both public keys (sender first) as salt; the nonce is random.
/// Replay protection belongs to the protocol using it (include a server challenge or a timestamp in the plaintext).
/// <code>
/// box = nonce(12) | ChaCha20-Poly1305(plaintext) | tag(16)
/// </code>
/// </summary>
public static class Box
{
    public const int NonceSize = 12;
    public const int TagSize = 16;
    public const int Overhead = NonceSize + TagSize;

    public static int Seal(PrivateKey sender, PublicKey recipient, ReadOnlySpan<byte> info, ReadOnlySpan<byte> plaintext, Span<byte> output)
    {
        if (output.Length < plaintext.Length + Overhead)
        {
            throw new ArgumentException("output too small", nameof(output));
        }

        Span<byte> key = stackalloc byte[32];
        Span<byte> salt = stackalloc byte[64];
        sender.PublicKey.Span.CopyTo(salt);
        recipient.Span.CopyTo(salt[32..]);
        if (!sender.TryDerive(recipient, salt, info, key))
        {
            throw new ArgumentException("recipient public key is a low-order point", nameof(recipient));
        }

        RandomNumberGenerator.Fill(output[..NonceSize]);
        using (var aead = new ChaCha20Poly1305(key))
        {
            aead.Encrypt(output[..NonceSize], plaintext, output.Slice(NonceSize, plaintext.Length), output.Slice(NonceSize + plaintext.Length, TagSize), salt);
        }

        CryptographicOperations.ZeroMemory(key);
        return plaintext.Length + Overhead;
    }

    public static byte[] Seal(PrivateKey sender, PublicKey recipient, ReadOnlySpan<byte> info, ReadOnlySpan<byte> plaintext)
    {
        var output = new byte[plaintext.Length + Overhead];
        Seal(sender, recipient, info, plaintext, output);
        return output;
    }

    /// <summary>Opens a box from <paramref name="sender"/>; false when malformed, from someone else, or tampered with.</summary>
    public static bool TryOpen(PrivateKey recipient, PublicKey sender, ReadOnlySpan<byte> info, ReadOnlySpan<byte> box, Span<byte> plaintext, out int written)
    {
        written = 0;
        if (box.Length < Overhead || plaintext.Length < box.Length - Overhead)
        {
            return false;
        }

        Span<byte> key = stackalloc byte[32];
        Span<byte> salt = stackalloc byte[64];
        sender.Span.CopyTo(salt);
        recipient.PublicKey.Span.CopyTo(salt[32..]);
        if (!recipient.TryDerive(sender, salt, info, key))
        {
            return false;
        }

        var len = box.Length - Overhead;
        try
        {
            using var aead = new ChaCha20Poly1305(key);
            aead.Decrypt(box[..NonceSize], box.Slice(NonceSize, len), box[^TagSize..], plaintext[..len], salt);
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }

        written = len;
        return true;
    }
}
