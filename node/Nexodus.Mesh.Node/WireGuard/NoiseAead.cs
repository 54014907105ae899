using System.Security.Cryptography;

namespace Nexodus.Mesh.Node.WireGuard;

/// <summary>The handshake's AEAD: ChaCha20-Poly1305 with a zero nonce (every handshake key is used exactly once).</summary>
internal static class NoiseAead
{
    private static readonly byte[] ZeroNonce = new byte[12];

    /// <summary>Writes ciphertext || tag (plaintext.Length + 16 bytes) to <paramref name="output"/>.</summary>
    public static void Seal(ReadOnlySpan<byte> key, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> ad, Span<byte> output)
    {
        using var aead = new ChaCha20Poly1305(key);
        aead.Encrypt(ZeroNonce, plaintext, output[..plaintext.Length], output.Slice(plaintext.Length, Protocol.AeadTagSize), ad);
    }

    public static bool Open(ReadOnlySpan<byte> key, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> ad, Span<byte> output)
    {
        using var aead = new ChaCha20Poly1305(key);
        try
        {
            var len = ciphertext.Length - Protocol.AeadTagSize;
            aead.Decrypt(ZeroNonce, ciphertext[..len], ciphertext[len..], output[..len], ad);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
    }
}
