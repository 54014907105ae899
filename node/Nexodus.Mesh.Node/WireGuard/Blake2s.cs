using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Crypto.Parameters;

namespace Nexodus.Mesh.Node.WireGuard;

/// <summary>
/// The whitepaper's HASH, MAC, HMAC and KDF, all over BouncyCastle's BLAKE2s (never hand-rolled).
/// HASH = BLAKE2s-256; MAC = keyed BLAKE2s-128; HMAC = RFC 2104 over BLAKE2s-256 (block 64);
/// KDFn = HKDF-style chaining with HMAC.
/// </summary>
internal static class Blake2s
{
    public static void Hash(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, Span<byte> output)
    {
        var d = new Blake2sDigest(256);
        d.BlockUpdate(a);
        d.BlockUpdate(b);
        d.DoFinal(output);
    }

    public static void Hash(ReadOnlySpan<byte> a, Span<byte> output) => Hash(a, [], output);

    /// <summary>hash = HASH(hash || data), the Noise MixHash.</summary>
    public static void MixHash(Span<byte> hash, ReadOnlySpan<byte> data)
    {
        var d = new Blake2sDigest(256);
        d.BlockUpdate(hash);
        d.BlockUpdate(data);
        d.DoFinal(hash);
    }

    /// <summary>Keyed BLAKE2s with a 16-byte output (mac1, mac2, cookie).</summary>
    public static void Mac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> output)
    {
        var d = new Blake2sDigest(key.ToArray(), Protocol.MacSize, null, null);
        d.BlockUpdate(data);
        d.DoFinal(output);
    }

    public static void Hmac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, Span<byte> output)
    {
        var h = new HMac(new Blake2sDigest(256));
        h.Init(new KeyParameter(key));
        h.BlockUpdate(a);
        h.BlockUpdate(b);
        h.DoFinal(output);
    }

    /// <summary>KDF1..3 from the whitepaper: τ0 = HMAC(C, input), τi = HMAC(τ0, τi-1 || i).</summary>
    public static void Kdf(ReadOnlySpan<byte> chainingKey, ReadOnlySpan<byte> input, Span<byte> t1, Span<byte> t2 = default, Span<byte> t3 = default)
    {
        Span<byte> prk = stackalloc byte[Protocol.HashSize];
        Span<byte> buf = stackalloc byte[Protocol.HashSize + 1];
        Span<byte> tmp = stackalloc byte[Protocol.HashSize];
        try
        {
            Hmac(chainingKey, input, [], prk);
            buf[0] = 1;
            Hmac(prk, buf[..1], [], tmp);
            tmp.CopyTo(t1);
            if (t2.IsEmpty)
            {
                return;
            }

            tmp.CopyTo(buf);
            buf[Protocol.HashSize] = 2;
            Hmac(prk, buf, [], tmp);
            tmp.CopyTo(t2);
            if (t3.IsEmpty)
            {
                return;
            }

            tmp.CopyTo(buf);
            buf[Protocol.HashSize] = 3;
            Hmac(prk, buf, [], tmp);
            tmp.CopyTo(t3);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(prk);
            CryptographicOperations.ZeroMemory(buf);
            CryptographicOperations.ZeroMemory(tmp);
        }
    }
}
