using System.Text;
using Nexodus.Mesh.Core.Keys;
using NSec.Cryptography;
using PublicKey = Nexodus.Mesh.Core.Keys.PublicKey;

namespace Nexodus.Mesh.Node.WireGuard;

/// <summary>
/// Initiator side of the cookie mechanism, one per peer: stamps mac1 (and mac2 while we hold a fresh cookie)
/// on our handshake messages, and accepts a cookie reply only if it answers the last mac1 we sent.
/// </summary>
internal sealed class CookieGenerator(PublicKey remote, TimeProvider time)
{
    private readonly Lock _sync = new();
    private readonly byte[] _mac1Key = Key(Protocol.LabelMac1, remote);
    private readonly byte[] _encryptionKey = Key(Protocol.LabelCookie, remote);
    private readonly byte[] _cookie = new byte[Protocol.CookieSize];
    private readonly byte[] _lastMac1 = new byte[Protocol.MacSize];
    private DateTimeOffset _cookieSet = DateTimeOffset.MinValue;
    private bool _hasLastMac1;

    public void AddMacs(Span<byte> msg, int mac1Offset)
    {
        var mac2Offset = mac1Offset + Protocol.MacSize;
        lock (_sync)
        {
            Blake2s.Mac(_mac1Key, msg[..mac1Offset], msg.Slice(mac1Offset, Protocol.MacSize));
            msg.Slice(mac1Offset, Protocol.MacSize).CopyTo(_lastMac1);
            _hasLastMac1 = true;
            if (time.GetUtcNow() - _cookieSet > Protocol.CookieRefreshTime)
            {
                msg.Slice(mac2Offset, Protocol.MacSize).Clear();
                return;
            }

            Blake2s.Mac(_cookie, msg[..mac2Offset], msg.Slice(mac2Offset, Protocol.MacSize));
        }
    }

    /// <summary>Decrypts the cookie; false (state untouched) unless it authenticates against our last mac1.</summary>
    public bool ConsumeReply(ReadOnlySpan<byte> reply)
    {
        Span<byte> cookie = stackalloc byte[Protocol.CookieSize];
        lock (_sync)
        {
            if (!_hasLastMac1)
            {
                return false;
            }

            using var k = NSec.Cryptography.Key.Import(AeadAlgorithm.XChaCha20Poly1305, _encryptionKey, KeyBlobFormat.RawSymmetricKey);
            if (!AeadAlgorithm.XChaCha20Poly1305.Decrypt(k, reply.Slice(MessageCookieReply.NonceOffset, Protocol.CookieNonceSize), _lastMac1,
                reply.Slice(MessageCookieReply.CookieOffset, MessageCookieReply.CookieLength), cookie))
            {
                return false;
            }

            cookie.CopyTo(_cookie);
            _cookieSet = time.GetUtcNow();
            _hasLastMac1 = false;
            return true;
        }
    }

    public bool HasFreshCookie
    {
        get
        {
            lock (_sync)
            {
                return time.GetUtcNow() - _cookieSet <= Protocol.CookieRefreshTime;
            }
        }
    }

    private static byte[] Key(string label, PublicKey remote)
    {
        var key = new byte[Protocol.HashSize];
        Blake2s.Hash(Encoding.ASCII.GetBytes(label), remote.Span, key);
        return key;
    }
}
