using System.Buffers.Binary;
using Nexodus.Mesh.Stun.Codec;

namespace Nexodus.Mesh.Stun.Tests.Codec;

public sealed class StunMalformedInputTests
{
    private const string Header = "2112a442 000102030405060708090a0b";

    public static TheoryData<string, string, StunParseError> Cases => new()
    {
        { "empty", "", StunParseError.TooShort },
        { "19 bytes", "0001 0000 2112a442 000102030405060708090a", StunParseError.TooShort },
        { "top bits set", "8001 0000 " + Header, StunParseError.NotStun },
        { "length not multiple of 4", "0001 0001 " + Header + " 00", StunParseError.NotStun },
        { "length beyond datagram", "0001 0004 " + Header, StunParseError.LengthMismatch },
        { "trailing bytes", "0001 0000 " + Header + " 00000000", StunParseError.LengthMismatch },
        { "attribute header only half", "0001 0004 " + Header + " 0020 0008", StunParseError.MalformedAttribute },
        { "attribute value past end", "0001 0008 " + Header + " 8022 0008 61626364", StunParseError.MalformedAttribute },
        { "address family 3", "0101 000c " + Header + " 0020 0008 0003 a147 e112a643", StunParseError.MalformedAttribute },
        { "ipv4 family with 20-byte value", "0101 0018 " + Header + " 0001 0014 0001 0d96 20010db8000000000000000000000001", StunParseError.MalformedAttribute },
        { "ipv6 family with 8-byte value", "0101 000c " + Header + " 0001 0008 0002 0d96 c0000201", StunParseError.MalformedAttribute },
        { "address value 2 bytes", "0101 0008 " + Header + " 0001 0002 0001 0000", StunParseError.MalformedAttribute },
        { "change-request 8 bytes", "0001 000c " + Header + " 0003 0008 00000006 00000000", StunParseError.MalformedAttribute },
        { "error class 7", "0111 0008 " + Header + " 0009 0004 00000714", StunParseError.MalformedAttribute },
        { "error number 100", "0111 0008 " + Header + " 0009 0004 00000464", StunParseError.MalformedAttribute },
        { "error code 2 bytes", "0111 0008 " + Header + " 0009 0002 0004 0000", StunParseError.MalformedAttribute },
        { "unknown-attributes odd", "0111 0008 " + Header + " 000a 0003 002400 00", StunParseError.MalformedAttribute },
        { "message-integrity 16 bytes", "0001 0014 " + Header + " 0008 0010 00000000000000000000000000000000", StunParseError.MalformedAttribute },
        { "response-port 2 bytes", "0001 0008 " + Header + " 0027 0002 9c40 0000", StunParseError.MalformedAttribute },
        { "fingerprint 8 bytes", "0001 000c " + Header + " 8028 0008 0000000000000000", StunParseError.MalformedAttribute },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void TryRead_Malformed_ReturnsFalseWithReason(string name, string hex, StunParseError expected)
    {
        Assert.False(StunMessageReader.TryRead(Hex.Parse(hex), out _, out var error), name);
        Assert.Equal(expected, error);
    }

    [Fact]
    public void TryRead_FingerprintMismatch_IsBadFingerprint()
    {
        var message = BuildWithFingerprint();
        message[^1] ^= 1;
        Assert.False(StunMessageReader.TryRead(message, out _, out var error));
        Assert.Equal(StunParseError.BadFingerprint, error);
    }

    [Fact]
    public void TryRead_BodyChangedUnderFingerprint_IsBadFingerprint()
    {
        var message = BuildWithFingerprint();
        message[StunConstants.HeaderLength + 4] ^= 0x40; // inside CHANGE-REQUEST value
        Assert.False(StunMessageReader.TryRead(message, out _, out var error));
        Assert.Equal(StunParseError.BadFingerprint, error);
    }

    [Fact]
    public void TryRead_AttributeAfterFingerprint_IsRejected()
    {
        var valid = BuildWithFingerprint();
        var message = new byte[valid.Length + 8];
        valid.CopyTo(message, 0);
        Hex.Parse("0003 0004 00000000").CopyTo(message, valid.Length);
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(2), (ushort)(message.Length - StunConstants.HeaderLength));
        // Re-sign with the new length so only the position is wrong.
        var fingerprintOffset = valid.Length - 8;
        var crc = System.IO.Hashing.Crc32.HashToUInt32(message.AsSpan(0, fingerprintOffset)) ^ StunConstants.FingerprintXor;
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(fingerprintOffset + 4), crc);
        Assert.False(StunMessageReader.TryRead(message, out _, out var error));
        Assert.Equal(StunParseError.AttributeAfterFingerprint, error);
    }

    [Fact]
    public void TryRead_ClassicRequestWithoutCookie_IsAcceptedAsClassic()
    {
        var message = Hex.Parse("0001 0008 0123456789abcdef0123456789abcdef 0003 0004 00000004");
        Assert.True(StunMessageReader.TryRead(message, out var m));
        Assert.True(m.IsClassic);
        Assert.Equal(StunChangeRequest.ChangeIp, m.ChangeRequest);
        Assert.False(StunMessageReader.LooksLikeStun(message));
    }

    [Fact]
    public void LooksLikeStun_WireGuardHandshake_IsFalse()
    {
        // WireGuard message type 1 in the first byte, 148 bytes.
        var wg = new byte[148];
        wg[0] = 1;
        Assert.False(StunMessageReader.LooksLikeStun(wg));
        Assert.True(StunMessageReader.LooksLikeStun(Rfc5769Vectors.IPv4Response));
    }

    private static byte[] BuildWithFingerprint()
    {
        var buffer = new byte[64];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, StunTransactionId.NewRandom());
        writer.AddChangeRequest(StunChangeRequest.ChangePort);
        writer.AddFingerprint();
        writer.TryComplete(out var length);
        Assert.True(StunMessageReader.TryRead(buffer.AsSpan(0, length), out var m));
        Assert.True(m.HasFingerprint);
        return buffer.AsSpan(0, length).ToArray();
    }
}
