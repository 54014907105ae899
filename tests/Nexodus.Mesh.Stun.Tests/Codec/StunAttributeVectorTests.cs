using System.Net;
using System.Text;
using Nexodus.Mesh.Stun.Codec;

namespace Nexodus.Mesh.Stun.Tests.Codec;

/// <summary>Each attribute as raw bytes: written by the writer, then read back by the reader.</summary>
public sealed class StunAttributeVectorTests
{
    // Transaction id of RFC 5769 so XOR values can be checked against the RFC's arithmetic.
    private static readonly StunTransactionId Id = StunTransactionId.Read(Hex.Parse("2112a442 b7e7a701bc34d686fa87dfae"));

    public static TheoryData<string, string> Vectors => new()
    {
        { "mapped-v4", "0001 0008 0001 8055 c0000201" },
        { "mapped-v6", "0001 0014 0002 0d96 20010db8000000000000000000000001" },
        { "xor-mapped-v4", "0020 0008 0001 a147 e112a643" },
        { "xor-mapped-v6", "0020 0014 0002 a147 0113a9faa5d3f179bc25f4b5bed2b9d9" },
        { "response-origin", "802b 0008 0001 0d96 c6336407" },
        { "other-address", "802c 0008 0001 0d97 cb007109" },
        { "changed-address", "0005 0008 0001 0d97 cb007109" },
        { "source-address", "0004 0008 0001 0d96 c6336407" },
        { "change-ip-port", "0003 0004 00000006" },
        { "change-port", "0003 0004 00000002" },
        { "change-ip", "0003 0004 00000004" },
        { "software", "8022 0003 616263 00" },
        { "error-420", "0009 000b 00000414 556e6b6e6f776e 00" },
        { "error-400", "0009 0004 00000400" },
        { "unknown-attributes", "000a 0006 0024 0027 0030 0000" },
        { "response-port", "0027 0004 9c40 0000" },
    };

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Writer_Attribute_ProducesVectorBytes(string name, string expectedHex)
    {
        var buffer = new byte[128];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingSuccessResponse, Id);
        Assert.True(Write(ref writer, name));
        Assert.True(writer.TryComplete(out var length));
        Assert.Equal(Hex.Format(Hex.Parse(expectedHex)), Hex.Format(buffer.AsSpan(StunConstants.HeaderLength, length - StunConstants.HeaderLength)));
        Assert.Equal(length - StunConstants.HeaderLength, (buffer[2] << 8) | buffer[3]);
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Reader_VectorBytes_DecodeToValue(string name, string attributeHex)
    {
        var attribute = Hex.Parse(attributeHex);
        var message = new byte[StunConstants.HeaderLength + attribute.Length];
        var writer = new StunMessageWriter(message, StunMessageType.BindingSuccessResponse, Id);
        Assert.True(writer.TryComplete(out _));
        attribute.CopyTo(message, StunConstants.HeaderLength);
        message[2] = (byte)(attribute.Length >> 8);
        message[3] = (byte)attribute.Length;

        Assert.True(StunMessageReader.TryRead(message, out var m, out var error), error.ToString());
        switch (name)
        {
            case "mapped-v4": Assert.Equal(Ep("192.0.2.1", 32853), m.MappedAddress); break;
            case "mapped-v6": Assert.Equal(Ep("2001:db8::1", 3478), m.MappedAddress); break;
            case "xor-mapped-v4": Assert.Equal(Ep("192.0.2.1", 32853), m.XorMappedAddress); break;
            case "xor-mapped-v6": Assert.Equal(Ep("2001:db8:1234:5678:11:2233:4455:6677", 32853), m.XorMappedAddress); break;
            case "response-origin": Assert.Equal(Ep("198.51.100.7", 3478), m.ResponseOrigin); break;
            case "other-address": Assert.Equal(Ep("203.0.113.9", 3479), m.OtherAddress); break;
            case "changed-address": Assert.Equal(Ep("203.0.113.9", 3479), m.ChangedAddress); break;
            case "source-address": Assert.Equal(Ep("198.51.100.7", 3478), m.SourceAddress); break;
            case "change-ip-port": Assert.Equal(StunChangeRequest.ChangeIpAndPort, m.ChangeRequest); break;
            case "change-port": Assert.Equal(StunChangeRequest.ChangePort, m.ChangeRequest); break;
            case "change-ip": Assert.Equal(StunChangeRequest.ChangeIp, m.ChangeRequest); break;
            case "software": Assert.Equal("abc", Encoding.UTF8.GetString(m.Software)); break;
            case "error-420":
                Assert.Equal(420, m.ErrorCode);
                Assert.Equal("Unknown", Encoding.UTF8.GetString(m.ErrorReason));
                break;
            case "error-400":
                Assert.Equal(400, m.ErrorCode);
                Assert.True(m.ErrorReason.IsEmpty);
                break;
            case "unknown-attributes":
                Assert.Equal(3, m.UnknownAttributeCount);
                Assert.Equal(0x0027, m.GetUnknownAttribute(1));
                break;
            case "response-port": Assert.Equal((ushort)40000, m.ResponsePort); break;
            default: Assert.Fail("no check for " + name); break;
        }

        Assert.Equal(0, m.UnknownComprehensionRequired.Count);
    }

    [Fact]
    public void Reader_UnknownOptionalAttribute_IsIgnored_UnknownRequiredIsListed()
    {
        var buffer = new byte[64];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, Id);
        writer.AddAttribute(0xC001, [1, 2, 3, 4]);
        writer.AddAttribute(0x0031, [1]);
        writer.AddAttribute(0x0031, [2]);
        writer.AddAttribute(0x7FFF, []);
        writer.TryComplete(out var length);
        Assert.True(StunMessageReader.TryRead(buffer.AsSpan(0, length), out var m));
        Assert.Equal(2, m.UnknownComprehensionRequired.Count);
        Assert.Equal(0x0031, m.UnknownComprehensionRequired[0]);
        Assert.Equal(0x7FFF, m.UnknownComprehensionRequired[1]);
    }

    [Fact]
    public void Reader_AttributesAfterMessageIntegrity_AreIgnored()
    {
        var buffer = new byte[128];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, Id);
        writer.AddAttribute((ushort)StunAttributeType.MessageIntegrity, new byte[20]);
        writer.AddAttribute(0x0031, [1]);
        writer.AddChangeRequest(StunChangeRequest.ChangeIp);
        writer.AddFingerprint();
        writer.TryComplete(out var length);
        Assert.True(StunMessageReader.TryRead(buffer.AsSpan(0, length), out var m));
        Assert.Equal(0, m.UnknownComprehensionRequired.Count);
        Assert.Null(m.ChangeRequest);
        Assert.True(m.HasFingerprint);
    }

    [Fact]
    public void Reader_DuplicateAttribute_FirstOccurrenceWins()
    {
        var buffer = new byte[128];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingSuccessResponse, Id);
        writer.AddXorMappedAddress(StunAddress.FromEndPoint(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 1)));
        writer.AddXorMappedAddress(StunAddress.FromEndPoint(new IPEndPoint(IPAddress.Parse("192.0.2.2"), 2)));
        writer.TryComplete(out var length);
        Assert.True(StunMessageReader.TryRead(buffer.AsSpan(0, length), out var m));
        Assert.Equal(Ep("192.0.2.1", 1), m.XorMappedAddress);
    }

    [Fact]
    public void Writer_BufferTooSmall_ReportsOverflowWithoutWritingPastEnd()
    {
        var buffer = new byte[40];
        var writer = new StunMessageWriter(buffer.AsSpan(0, 30), StunMessageType.BindingRequest, Id);
        Assert.False(writer.AddSoftware(new byte[16]));
        Assert.False(writer.AddChangeRequest(StunChangeRequest.ChangeIp)); // sticky
        Assert.False(writer.TryComplete(out _));
        Assert.All(buffer.AsSpan(30).ToArray(), b => Assert.Equal(0, b));
    }

    [Fact]
    public void MessageType_ComposeAndSplit_RoundTrip()
    {
        for (ushort method = 0; method < 0x1000; method += 0x0111)
        {
            foreach (var c in Enum.GetValues<StunMessageClass>())
            {
                var type = StunMessageType.Compose(method, c);
                Assert.Equal(method, StunMessageType.GetMethod(type));
                Assert.Equal(c, StunMessageType.GetClass(type));
            }
        }

        Assert.Equal(StunMessageType.BindingErrorResponse, StunMessageType.Compose(1, StunMessageClass.ErrorResponse));
    }

    private static StunAddress Ep(string ip, int port) => StunAddress.FromEndPoint(new IPEndPoint(IPAddress.Parse(ip), port));

    private static bool Write(ref StunMessageWriter w, string name) => name switch
    {
        "mapped-v4" => w.AddAddress(StunAttributeType.MappedAddress, Ep("192.0.2.1", 32853)),
        "mapped-v6" => w.AddAddress(StunAttributeType.MappedAddress, Ep("2001:db8::1", 3478)),
        "xor-mapped-v4" => w.AddXorMappedAddress(Ep("192.0.2.1", 32853)),
        "xor-mapped-v6" => w.AddXorMappedAddress(Ep("2001:db8:1234:5678:11:2233:4455:6677", 32853)),
        "response-origin" => w.AddAddress(StunAttributeType.ResponseOrigin, Ep("198.51.100.7", 3478)),
        "other-address" => w.AddAddress(StunAttributeType.OtherAddress, Ep("203.0.113.9", 3479)),
        "changed-address" => w.AddAddress(StunAttributeType.ChangedAddress, Ep("203.0.113.9", 3479)),
        "source-address" => w.AddAddress(StunAttributeType.SourceAddress, Ep("198.51.100.7", 3478)),
        "change-ip-port" => w.AddChangeRequest(StunChangeRequest.ChangeIpAndPort),
        "change-port" => w.AddChangeRequest(StunChangeRequest.ChangePort),
        "change-ip" => w.AddChangeRequest(StunChangeRequest.ChangeIp),
        "software" => w.AddSoftware("abc"u8),
        "error-420" => w.AddErrorCode(420, "Unknown"u8),
        "error-400" => w.AddErrorCode(400, []),
        "unknown-attributes" => w.AddUnknownAttributes([0x0024, 0x0027, 0x0030]),
        "response-port" => w.AddResponsePort(40000),
        _ => false,
    };
}
