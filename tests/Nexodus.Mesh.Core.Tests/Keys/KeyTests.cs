using Nexodus.Mesh.Core.Keys;

namespace Nexodus.Mesh.Core.Tests.Keys;

public sealed class KeyTests
{
    // RFC 7748 §6.1 Diffie-Hellman test vector.
    private const string AlicePrivate = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
    private const string AlicePublic = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
    private const string BobPrivate = "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";
    private const string BobPublic = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
    private const string Shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";

    [Fact]
    public void X25519_Rfc7748Vector_PublicKeysAndSharedSecretMatch()
    {
        using var alice = PrivateKey.FromBytes(Convert.FromHexString(AlicePrivate));
        using var bob = PrivateKey.FromBytes(Convert.FromHexString(BobPrivate));
        Assert.Equal(AlicePublic, Convert.ToHexStringLower(alice.PublicKey.Span));
        Assert.Equal(BobPublic, Convert.ToHexStringLower(bob.PublicKey.Span));
        var ab = new byte[32];
        var ba = new byte[32];
        Assert.True(alice.TryAgreeRaw(bob.PublicKey, ab));
        Assert.True(bob.TryAgreeRaw(alice.PublicKey, ba));
        Assert.Equal(Shared, Convert.ToHexStringLower(ab));
        Assert.Equal(Shared, Convert.ToHexStringLower(ba));
    }

    [Fact]
    public void X25519_LowOrderPeer_IsRejected()
    {
        using var alice = PrivateKey.Generate();
        var zero = PublicKey.FromBytes(new byte[32]);
        Assert.False(alice.TryAgreeRaw(zero, new byte[32]));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not base64 at all, but exactly forty-four ch")]
    [InlineData("AAAA")]
    [InlineData("hCDwCYkwp1R0i33ctD73Wg2/Og0mOBr066Spjqqbkm==")]
    public void PublicKey_TryParse_Malformed_ReturnsFalse(string text) => Assert.False(PublicKey.TryParse(text, out _));

    [Fact]
    public void PublicKey_TextRoundTrip_IsWireGuardBase64()
    {
        using var k = PrivateKey.Generate();
        var text = k.PublicKey.ToString();
        Assert.Equal(44, text.Length);
        Assert.True(PublicKey.TryParse(text, out var parsed));
        Assert.Equal(k.PublicKey, parsed);
        Assert.True(PrivateKey.TryParse(k.ExportText(), out var again));
        Assert.Equal(k.PublicKey, again!.PublicKey);
    }

    [Fact]
    public void SealedBox_OpensOnlyWithRecipientKey()
    {
        using var recipient = PrivateKey.Generate();
        using var other = PrivateKey.Generate();
        var sealedBox = SealedBox.Seal(recipient.PublicKey, "device credential"u8);
        Assert.True(SealedBox.TryOpen(recipient, sealedBox, out var opened));
        Assert.Equal("device credential"u8.ToArray(), opened);
        Assert.False(SealedBox.TryOpen(other, sealedBox, out _));
    }

    [Fact]
    public void SealedBox_Tampered_FailsToOpen()
    {
        using var recipient = PrivateKey.Generate();
        var sealedBox = SealedBox.Seal(recipient.PublicKey, "secret"u8);
        for (var i = 0; i < sealedBox.Length; i++)
        {
            var copy = (byte[])sealedBox.Clone();
            copy[i] ^= 0x01;
            Assert.False(SealedBox.TryOpen(recipient, copy, out _));
        }

        Assert.False(SealedBox.TryOpen(recipient, sealedBox.AsSpan(0, SealedBox.Overhead - 1), out _));
    }

    [Fact]
    public void Box_ProvesSender_AndRejectsImpostor()
    {
        using var sender = PrivateKey.Generate();
        using var impostor = PrivateKey.Generate();
        using var recipient = PrivateKey.Generate();
        var info = "test"u8;
        var box = Box.Seal(sender, recipient.PublicKey, info, "hello relay"u8);
        var buf = new byte[64];
        Assert.True(Box.TryOpen(recipient, sender.PublicKey, info, box, buf, out var n));
        Assert.Equal("hello relay"u8.ToArray(), buf[..n]);

        // Claiming the sender's key without its private key: the box was made by the impostor.
        var forged = Box.Seal(impostor, recipient.PublicKey, info, "hello relay"u8);
        Assert.False(Box.TryOpen(recipient, sender.PublicKey, info, forged, buf, out _));
        // Different context string.
        Assert.False(Box.TryOpen(recipient, sender.PublicKey, "other"u8, box, buf, out _));
    }
}
