using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Nexodus.Mesh.Core.Keys;
using NSec.Cryptography;
using PublicKey = Nexodus.Mesh.Core.Keys.PublicKey;

namespace Nexodus.Mesh.Node.WireGuard;

/// <summary>
/// Responder side of the cookie mechanism (whitepaper §5.4.7): verifies mac1 (proves the sender knows our
/// public key) and, under load, mac2 (proves the sender can receive at its source address); builds cookie
/// replies encrypted with XChaCha20-Poly1305 under HASH("cookie--" || our public key).
/// </summary>
internal sealed class CookieChecker(TimeProvider time)
{
    private readonly Lock _sync = new();
    private readonly byte[] _mac1Key = new byte[Protocol.HashSize];
    private readonly byte[] _encryptionKey = new byte[Protocol.HashSize];
    private readonly byte[] _secret = new byte[Protocol.HashSize];
    private DateTimeOffset _secretSet = DateTimeOffset.MinValue;
    private bool _hasKey;

    public void Init(PublicKey local)
    {
        lock (_sync)
        {
            Blake2s.Hash(Encoding.ASCII.GetBytes(Protocol.LabelMac1), local.Span, _mac1Key);
            Blake2s.Hash(Encoding.ASCII.GetBytes(Protocol.LabelCookie), local.Span, _encryptionKey);
            _secretSet = DateTimeOffset.MinValue;
            _hasKey = true;
        }
    }

    /// <summary>Checks mac1 over everything before it; constant time.</summary>
    public bool CheckMac1(ReadOnlySpan<byte> msg, int mac1Offset)
    {
        Span<byte> mac = stackalloc byte[Protocol.MacSize];
        lock (_sync)
        {
            if (!_hasKey)
            {
                return false;
            }

            Blake2s.Mac(_mac1Key, msg[..mac1Offset], mac);
        }

        return CryptographicOperations.FixedTimeEquals(mac, msg.Slice(mac1Offset, Protocol.MacSize));
    }

    public bool CheckMac2(ReadOnlySpan<byte> msg, int mac2Offset, ReadOnlySpan<byte> source)
    {
        Span<byte> cookie = stackalloc byte[Protocol.CookieSize];
        Span<byte> mac = stackalloc byte[Protocol.MacSize];
        lock (_sync)
        {
            if (time.GetUtcNow() - _secretSet > Protocol.CookieRefreshTime)
            {
                return false;
            }

            Blake2s.Mac(_secret, source, cookie);
        }

        Blake2s.Mac(cookie, msg[..mac2Offset], mac);
        return CryptographicOperations.FixedTimeEquals(mac, msg.Slice(mac2Offset, Protocol.MacSize));
    }

    /// <summary>Writes a 64-byte cookie reply to <paramref name="reply"/> for the handshake message <paramref name="msg"/>.</summary>
    public void CreateReply(ReadOnlySpan<byte> msg, uint receiver, int mac1Offset, ReadOnlySpan<byte> source, Span<byte> reply)
    {
        Span<byte> cookie = stackalloc byte[Protocol.CookieSize];
        byte[] key;
        lock (_sync)
        {
            var now = time.GetUtcNow();
            if (now - _secretSet > Protocol.CookieRefreshTime)
            {
                RandomNumberGenerator.Fill(_secret);
                _secretSet = now;
            }

            Blake2s.Mac(_secret, source, cookie);
            key = (byte[])_encryptionKey.Clone();
        }

        reply[0] = (byte)MessageType.CookieReply;
        reply[1..4].Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(reply[MessageCookieReply.ReceiverOffset..], receiver);
        var nonce = reply.Slice(MessageCookieReply.NonceOffset, Protocol.CookieNonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var k = Key.Import(AeadAlgorithm.XChaCha20Poly1305, key, KeyBlobFormat.RawSymmetricKey);
        AeadAlgorithm.XChaCha20Poly1305.Encrypt(k, nonce, msg.Slice(mac1Offset, Protocol.MacSize), cookie,
            reply.Slice(MessageCookieReply.CookieOffset, MessageCookieReply.CookieLength));
        CryptographicOperations.ZeroMemory(key);
    }
}
