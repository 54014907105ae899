using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Nexodus.Mesh.Stun.Codec;

namespace Nexodus.Mesh.Stun.Tests.Codec;

public sealed class Rfc5769VectorTests
{
    [Fact]
    public void TryRead_SampleRequest_ParsesAttributesAndFingerprint()
    {
        Assert.True(StunMessageReader.TryRead(Rfc5769Vectors.Request, out var message, out var error), error.ToString());
        Assert.Equal(StunMessageType.BindingRequest, message.Type);
        Assert.Equal(StunMessageClass.Request, message.Class);
        Assert.False(message.IsClassic);
        Assert.Equal("STUN test client", Encoding.UTF8.GetString(message.Software));
        Assert.Equal("evtj:h6vY", Encoding.UTF8.GetString(message.Username));
        Assert.True(message.HasFingerprint);
        Assert.True(message.HasMessageIntegrity);
        // PRIORITY (0x0024) is ICE's; a plain STUN server does not know it and it is comprehension-required.
        Assert.Equal(1, message.UnknownComprehensionRequired.Count);
        Assert.Equal(0x0024, message.UnknownComprehensionRequired[0]);
        Assert.True(VerifyIntegrity(Rfc5769Vectors.Request, message.MessageIntegrityOffset));
    }

    [Fact]
    public void TryRead_SampleIPv4Response_DecodesXorMappedAddress()
    {
        Assert.True(StunMessageReader.TryRead(Rfc5769Vectors.IPv4Response, out var message, out var error), error.ToString());
        Assert.Equal(StunMessageClass.SuccessResponse, message.Class);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 32853), message.XorMappedAddress!.Value.ToEndPoint());
        Assert.Equal("test vector", Encoding.UTF8.GetString(message.Software));
        Assert.True(message.HasFingerprint);
        Assert.True(VerifyIntegrity(Rfc5769Vectors.IPv4Response, message.MessageIntegrityOffset));
    }

    [Fact]
    public void TryRead_SampleIPv6Response_DecodesXorMappedAddress()
    {
        Assert.True(StunMessageReader.TryRead(Rfc5769Vectors.IPv6Response, out var message, out var error), error.ToString());
        Assert.Equal(new IPEndPoint(IPAddress.Parse("2001:db8:1234:5678:11:2233:4455:6677"), 32853), message.XorMappedAddress!.Value.ToEndPoint());
        Assert.True(message.HasFingerprint);
        Assert.True(VerifyIntegrity(Rfc5769Vectors.IPv6Response, message.MessageIntegrityOffset));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void AddFingerprint_OverVectorPrefix_ReproducesVectorFingerprint(int which)
    {
        var vector = which switch { 0 => Rfc5769Vectors.Request, 1 => Rfc5769Vectors.IPv4Response, _ => Rfc5769Vectors.IPv6Response };
        var withoutFingerprint = vector.AsSpan(0, vector.Length - 8);
        // Rebuild: header + every attribute but FINGERPRINT copied raw, then our FINGERPRINT.
        var buffer = new byte[vector.Length];
        var writer = new StunMessageWriter(buffer, BinaryPrimitives.ReadUInt16BigEndian(vector), StunTransactionId.Read(vector.AsSpan(4, 16)));
        var offset = StunConstants.HeaderLength;
        while (offset < withoutFingerprint.Length)
        {
            var type = BinaryPrimitives.ReadUInt16BigEndian(vector.AsSpan(offset));
            var length = BinaryPrimitives.ReadUInt16BigEndian(vector.AsSpan(offset + 2));
            Assert.True(writer.AddAttribute(type, vector.AsSpan(offset + 4, length)));
            // The vectors pad with spaces where we pad with zeros; copy their padding so only FINGERPRINT is ours.
            vector.AsSpan(offset, 4 + ((length + 3) & ~3)).CopyTo(buffer.AsSpan(offset));
            offset += 4 + ((length + 3) & ~3);
        }

        Assert.True(writer.AddFingerprint());
        Assert.True(writer.TryComplete(out var written));
        Assert.Equal(Hex.Format(vector), Hex.Format(buffer.AsSpan(0, written)));
    }

    [Fact]
    public void AddXorMappedAddress_VectorAddresses_EncodeToVectorBytes()
    {
        var buffer = new byte[64];
        var id = StunTransactionId.Read(Rfc5769Vectors.IPv4Response.AsSpan(4, 16));
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingSuccessResponse, id);
        writer.AddXorMappedAddress(StunAddress.FromEndPoint(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 32853)));
        writer.AddXorMappedAddress(StunAddress.FromEndPoint(new IPEndPoint(IPAddress.Parse("2001:db8:1234:5678:11:2233:4455:6677"), 32853)));
        Assert.True(writer.TryComplete(out var length));
        Assert.Equal(
            "0020000800 01a147e112a643".Replace(" ", "", StringComparison.Ordinal) + "0020001400 02a1470113a9faa5d3f179bc25f4b5bed2b9d9".Replace(" ", "", StringComparison.Ordinal),
            Hex.Format(buffer.AsSpan(20, length - 20)));
    }

    [Fact]
    public void VerifyIntegrity_WrongPassword_Fails()
    {
        Assert.True(StunMessageReader.TryRead(Rfc5769Vectors.Request, out var message));
        Assert.False(VerifyIntegrity(Rfc5769Vectors.Request, message.MessageIntegrityOffset, "wrong"));
    }

    /// <summary>
    /// RFC 8489 §14.5: HMAC-SHA1 over the message up to MESSAGE-INTEGRITY, with the header length adjusted to end
    /// at MESSAGE-INTEGRITY (i.e. excluding a following FINGERPRINT). Short-term key = the password.
    /// </summary>
    private static bool VerifyIntegrity(byte[] message, int integrityOffset, string password = Rfc5769Vectors.Password)
    {
        var covered = message.AsSpan(0, integrityOffset).ToArray();
        BinaryPrimitives.WriteUInt16BigEndian(covered.AsSpan(2), (ushort)(integrityOffset + 24 - StunConstants.HeaderLength));
#pragma warning disable CA5350 // HMAC-SHA1 is what RFC 8489 MESSAGE-INTEGRITY is defined with
        var mac = HMACSHA1.HashData(Encoding.UTF8.GetBytes(password), covered);
#pragma warning restore CA5350
        return mac.AsSpan().SequenceEqual(message.AsSpan(integrityOffset + 4, 20));
    }
}
