using System.Net;
using System.Security.Cryptography;
using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.Node.Disco;

namespace Nexodus.Mesh.Node.Tests.Disco;

/// <summary>Disco plaintexts as byte vectors, the sealed envelope checked against an independent construction, and malformed inputs.</summary>
public sealed class DiscoCodecTests
{
    private static readonly DiscoTxId Tx = DiscoTxId.Read(Convert.FromHexString("0102030405060708090a0b0c"));
    private static readonly PublicKey Key = PublicKey.FromBytes(Enumerable.Range(0x20, 32).Select(i => (byte)i).ToArray());

    [Theory]
    [InlineData("ping", "0100" + "0102030405060708090a0b0c" + "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f")]
    [InlineData("ping+pad", "0100" + "0102030405060708090a0b0c" + "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f" + "000000")]
    [InlineData("pong4", "0200" + "0102030405060708090a0b0c" + "00000000000000000000ffffc0000201" + "a269")]
    [InlineData("pong6", "0200" + "0102030405060708090a0b0c" + "20010db8000000000000000000000001" + "0035")]
    [InlineData("cmm", "0300" + "00000000000000000000ffffc6336402" + "a269" + "00000000000000000000ffffc0a8010a" + "a26a")]
    [InlineData("cmm0", "0300")]
    public void Write_KnownMessage_MatchesVectorAndReadsBack(string name, string hex)
    {
        DiscoMessage message = name switch
        {
            "ping" => new DiscoPing(Tx, Key),
            "ping+pad" => new DiscoPing(Tx, Key, 3),
            "pong4" => new DiscoPong(Tx, IPEndPoint.Parse("192.0.2.1:41577")),
            "pong6" => new DiscoPong(Tx, IPEndPoint.Parse("[2001:db8::1]:53")),
            "cmm" => new DiscoCallMeMaybe([IPEndPoint.Parse("198.51.100.2:41577"), IPEndPoint.Parse("192.168.1.10:41578")]),
            _ => new DiscoCallMeMaybe([]),
        };
        var buffer = new byte[message.Length];

        var written = message.Write(buffer);

        Assert.Equal(hex, Convert.ToHexString(buffer, 0, written).ToLowerInvariant());
        Assert.True(DiscoMessage.TryRead(buffer, out var back));
        switch (back)
        {
            case DiscoPing p:
                Assert.Equal(Tx, p.TxId);
                Assert.Equal(Key, p.NodeKey);
                Assert.Equal(((DiscoPing)message).Padding, p.Padding);
                break;
            case DiscoPong p:
                Assert.Equal(((DiscoPong)message).Observed, p.Observed);
                break;
            case DiscoCallMeMaybe c:
                Assert.Equal(((DiscoCallMeMaybe)message).Endpoints, c.Endpoints);
                break;
            default:
                Assert.Fail("unexpected type");
                break;
        }
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("01", "header only half")]
    [InlineData("0101" + "0102030405060708090a0b0c" + "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f", "unknown version")]
    [InlineData("0900", "unknown type")]
    [InlineData("0100" + "0102030405060708090a0b0c" + "2021", "ping without full node key")]
    [InlineData("0200" + "0102030405060708090a0b0c" + "00000000000000000000ffffc0000201", "pong without port")]
    [InlineData("0200" + "0102030405060708090a0b0c" + "00000000000000000000ffffc0000201a26900", "pong with trailing byte")]
    [InlineData("0200" + "0102030405060708090a0b0c" + "00000000000000000000ffffc00002010000", "pong with port 0")]
    [InlineData("0200" + "0102030405060708090a0b0c" + "00000000000000000000ffff00000000a269", "pong with unspecified address")]
    [InlineData("0300" + "00000000000000000000ffffc6336402a2", "cmm with partial endpoint")]
    public void TryRead_Malformed_ReturnsFalse(string hex, string why)
    {
        Assert.False(DiscoMessage.TryRead(Convert.FromHexString(hex), out var message), why);
        Assert.Null(message);
    }

    [Fact]
    public void TryRead_TooManyCallMeMaybeEndpoints_ReturnsFalse()
    {
        var body = new byte[2 + ((DiscoMessage.MaxEndpoints + 1) * DiscoAddress.Size)];
        body[0] = (byte)DiscoMessageType.CallMeMaybe;
        for (var i = 2; i < body.Length; i += DiscoAddress.Size)
        {
            DiscoAddress.Write(IPEndPoint.Parse("192.0.2.1:1000"), body.AsSpan(i));
        }

        Assert.False(DiscoMessage.TryRead(body, out _));
    }

    [Fact]
    public void Seal_Envelope_MagicSenderKeyAndBoxOpenIndependently()
    {
        using var a = PrivateKey.Generate();
        using var b = PrivateKey.Generate();
        var ping = new DiscoPing(Tx, Key);

        var datagram = DiscoPacket.Seal(a, b.PublicKey, ping);

        Assert.Equal("NXDSC\x01"u8.ToArray(), datagram[..6]);
        Assert.Equal(a.PublicKey.Span.ToArray(), datagram[6..38]);
        Assert.Equal(DiscoPacket.Overhead + ping.Length, datagram.Length);
        Assert.NotEqual(1, datagram[0]); // not WireGuard ...
        Assert.NotEqual(0, datagram[0] & 0xC0); // ... and not STUN

        // Independent construction of the AEAD key: X25519, then HKDF-SHA256(salt = sender pub | recipient pub, info).
        var shared = new byte[32];
        Assert.True(b.TryAgreeRaw(a.PublicKey, shared));
        var salt = a.PublicKey.Span.ToArray().Concat(b.PublicKey.Span.ToArray()).ToArray();
        var key = HKDF.DeriveKey(HashAlgorithmName.SHA256, shared, 32, salt, "nexodus-mesh disco v1"u8.ToArray());
        var box = datagram.AsSpan(38);
        var plaintext = new byte[box.Length - 28];
        using (var aead = new ChaCha20Poly1305(key))
        {
            aead.Decrypt(box[..12], box[12..^16], box[^16..], plaintext, salt);
        }

        var expected = new byte[ping.Length];
        ping.Write(expected);
        Assert.Equal(expected, plaintext);
    }

    [Fact]
    public void TryOpen_RoundTrip_AndEveryTamperingRejected()
    {
        using var a = PrivateKey.Generate();
        using var b = PrivateKey.Generate();
        using var mallory = PrivateKey.Generate();
        var datagram = DiscoPacket.Seal(a, b.PublicKey, new DiscoPong(Tx, IPEndPoint.Parse("203.0.113.9:1234")));

        Assert.True(DiscoPacket.TryOpen(b, a.PublicKey, datagram, out var message));
        Assert.Equal(IPEndPoint.Parse("203.0.113.9:1234"), Assert.IsType<DiscoPong>(message).Observed);
        Assert.False(DiscoPacket.TryOpen(mallory, a.PublicKey, datagram, out _), "not for mallory");
        Assert.False(DiscoPacket.TryOpen(b, mallory.PublicKey, datagram, out _), "not from mallory");
        for (var i = 0; i < datagram.Length; i++)
        {
            var copy = (byte[])datagram.Clone();
            copy[i] ^= 0x01;
            Assert.False(DiscoPacket.TryOpen(b, a.PublicKey, copy, out _), $"bit flip at {i} accepted");
        }

        // Mallory re-seals her own message under a's name: the key in the clear no longer matches the box.
        var forged = DiscoPacket.Seal(mallory, b.PublicKey, new DiscoPong(Tx, IPEndPoint.Parse("203.0.113.66:1")));
        a.PublicKey.Span.CopyTo(forged.AsSpan(6));
        Assert.False(DiscoPacket.TryOpen(b, a.PublicKey, forged, out _));
    }

    [Fact]
    public void Fuzz_RandomAndMutated_NeverThrows()
    {
        using var a = PrivateKey.Generate();
        using var b = PrivateKey.Generate();
        var rng = new Random(6);
        var seeds = new[]
        {
            DiscoPacket.Seal(a, b.PublicKey, new DiscoPing(Tx, a.PublicKey, 20)),
            DiscoPacket.Seal(a, b.PublicKey, new DiscoPong(Tx, IPEndPoint.Parse("[2001:db8::5]:9"))),
            DiscoPacket.Seal(a, b.PublicKey, new DiscoCallMeMaybe([IPEndPoint.Parse("192.0.2.1:5")])),
        };
        var opened = 0;
        for (var i = 0; i < 20_000; i++)
        {
            byte[] input;
            if (i % 2 == 0)
            {
                input = new byte[rng.Next(0, 200)];
                rng.NextBytes(input);
                if (i % 4 == 0 && input.Length >= 6)
                {
                    "NXDSC\x01"u8.CopyTo(input);
                }
            }
            else
            {
                input = Mutate(seeds[rng.Next(seeds.Length)], rng);
            }

            _ = DiscoMessage.TryRead(input, out _);
            _ = DiscoPacket.TryReadSender(input, out _);
            if (DiscoPacket.TryOpen(b, a.PublicKey, input, out _))
            {
                // Only a "mutation" that left the datagram as it was may open.
                Assert.Contains(seeds, s => s.AsSpan().SequenceEqual(input));
                opened++;
            }
        }

        Assert.True(opened < 1_000, $"{opened} datagrams opened");
    }

    internal static byte[] Mutate(byte[] seed, Random rng)
    {
        var data = (byte[])seed.Clone();
        switch (rng.Next(4))
        {
            case 0:
                data[rng.Next(data.Length)] ^= (byte)(1 << rng.Next(8));
                return data;
            case 1:
                for (var k = rng.Next(1, 8); k > 0; k--)
                {
                    data[rng.Next(data.Length)] = (byte)rng.Next(256);
                }

                return data;
            case 2:
                return data[..rng.Next(data.Length)];
            default:
                var extra = new byte[rng.Next(1, 64)];
                rng.NextBytes(extra);
                return [.. data, .. extra];
        }
    }
}
