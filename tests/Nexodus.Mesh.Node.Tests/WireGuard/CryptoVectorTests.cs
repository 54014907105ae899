using System.Text;
using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.Node.WireGuard;

namespace Nexodus.Mesh.Node.Tests.WireGuard;

public sealed class CryptoVectorTests
{
    [Fact]
    public void X25519_Rfc7748Section61_SharedSecretMatches()
    {
        using var alice = PrivateKey.FromBytes(Convert.FromHexString("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
        using var bob = PrivateKey.FromBytes(Convert.FromHexString("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"));
        Assert.Equal("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", Convert.ToHexStringLower(alice.PublicKey.Span));
        Assert.Equal("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f", Convert.ToHexStringLower(bob.PublicKey.Span));
        var shared = new byte[32];
        Assert.True(alice.TryAgreeRaw(bob.PublicKey, shared));
        Assert.Equal("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742", Convert.ToHexStringLower(shared));
    }

    [Fact]
    public void X25519_LowOrderPoint_Rejected()
    {
        using var key = PrivateKey.Generate();
        var zero = PublicKey.FromBytes(new byte[32]);
        Assert.False(key.TryAgreeRaw(zero, new byte[32]));
    }

    [Theory]
    [InlineData("abc", "508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982")] // RFC 7693 Appendix B
    [InlineData("Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s", "60e26daef327efc02ec335e2a025d2d016eb4206f87277f52d38d1988b78cd36")]
    public void Hash_KnownInputs_MatchesBlake2s256(string input, string expected)
    {
        var output = new byte[32];
        Blake2s.Hash(Encoding.ASCII.GetBytes(input), output);
        Assert.Equal(expected, Convert.ToHexStringLower(output));
    }

    [Fact]
    public void NoiseConstants_InitialHash_MatchesWireGuard()
    {
        Assert.Equal("60e26daef327efc02ec335e2a025d2d016eb4206f87277f52d38d1988b78cd36", Convert.ToHexStringLower(NoiseConstants.InitialChainKey));
        Assert.Equal("2211b361081ac566691243db458ad5322d9c6c662293e8b70ee19c65ba079ef3", Convert.ToHexStringLower(NoiseConstants.InitialHash));
    }

    [Theory]
    // blake2s-kat keyed vectors (key 00..1f): empty input and one zero byte; then a 16-byte output like mac1.
    [InlineData("", 32, "48a8997da407876b3d79c0d92325ad3b89cbb754d86ab71aee047ad345fd2c49")]
    [InlineData("00", 32, "40d15fee7c328830166ac3f918650f807e7e01e177258cdc0a39b11f598066f1")]
    public void KeyedBlake2s_KatVectors_Match(string inputHex, int size, string expected)
    {
        var d = new Org.BouncyCastle.Crypto.Digests.Blake2sDigest(Key32(), size, null, null);
        var input = Convert.FromHexString(inputHex);
        d.BlockUpdate(input, 0, input.Length);
        var output = new byte[size];
        d.DoFinal(output, 0);
        Assert.Equal(expected, Convert.ToHexStringLower(output));
    }

    [Fact]
    public void Mac_SixteenByteKeyedBlake2s_MatchesReference()
    {
        var output = new byte[16];
        Blake2s.Mac(Key32(), Enumerable.Range(0, 64).Select(i => (byte)i).ToArray(), output);
        Assert.Equal("f1efa90d2547036841ecd3627fafbc36", Convert.ToHexStringLower(output));
    }

    [Theory]
    // Reference values from CPython's hmac module over hashlib.blake2s (an independent implementation).
    [InlineData(32, "WireGuard", "5415924543576b3f5ee867c94e1aab70586d33b32fae3fccd2c635b3e1d7198d")]
    [InlineData(100, "x200", "834cd67f8ca0de35dfcdfff1510ae170f5850f5455aba1c085196c441d7ca7d9")]
    public void Hmac_Blake2s_MatchesReference(int keyLength, string data, string expected)
    {
        var key = Enumerable.Range(0, keyLength).Select(i => (byte)i).ToArray();
        var input = data == "x200" ? Encoding.ASCII.GetBytes(new string('x', 200)) : Encoding.ASCII.GetBytes(data);
        var output = new byte[32];
        Blake2s.Hmac(key, input, [], output);
        Assert.Equal(expected, Convert.ToHexStringLower(output));
    }

    [Fact]
    public void Kdf_OutputsChainAsWhitepaperDefines()
    {
        var ck = Key32();
        var t1 = new byte[32];
        var t2 = new byte[32];
        var t3 = new byte[32];
        Blake2s.Kdf(ck, "input"u8, t1, t2, t3);
        var prk = new byte[32];
        Blake2s.Hmac(ck, "input"u8, [], prk);
        var e1 = new byte[32];
        Blake2s.Hmac(prk, [1], [], e1);
        var e2 = new byte[32];
        Blake2s.Hmac(prk, [.. e1, 2], [], e2);
        var e3 = new byte[32];
        Blake2s.Hmac(prk, [.. e2, 3], [], e3);
        Assert.Equal(e1, t1);
        Assert.Equal(e2, t2);
        Assert.Equal(e3, t3);
    }

    private static byte[] Key32() => Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
}
