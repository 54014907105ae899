using System.Net;
using Nexodus.Mesh.Stun.Codec;
using Nexodus.Mesh.Stun.Server;

namespace Nexodus.Mesh.Stun.Tests.Server;

public sealed class StunResponderTests
{
    private static readonly StunAddress[] Sockets =
    [
        Addr("192.0.2.1", 3478), Addr("192.0.2.1", 3479), Addr("192.0.2.2", 3478), Addr("192.0.2.2", 3479),
    ];

    private static readonly StunAddress Client = Addr("198.51.100.7", 40000);

    private readonly StunResponder _full = new([Sockets[0], Sockets[1], Sockets[2], Sockets[3]], "test-server");
    private readonly StunResponder _single = new([Sockets[0]], "");
    private readonly byte[] _response = new byte[StunResponder.MaxResponseLength];

    [Fact]
    public void Respond_PlainBinding_AnswersWithReflexiveOriginAndOther()
    {
        var (request, id) = Request(StunChangeRequest.None);
        var decision = _full.Respond(request, Client, StunSocketRole.PrimaryIpPrimaryPort, _response);

        Assert.Equal(StunResponseKind.SuccessResponse, decision.Kind);
        Assert.Equal(0, decision.SendFrom);
        Assert.True(StunMessageReader.TryRead(_response.AsSpan(0, decision.Length), out var m));
        Assert.Equal(StunMessageType.BindingSuccessResponse, m.Type);
        Assert.Equal(id, m.TransactionId);
        Assert.Equal(Client, m.XorMappedAddress);
        Assert.Equal(Client, m.MappedAddress);
        Assert.Equal(Sockets[0], m.ResponseOrigin);
        Assert.Equal(Sockets[3], m.OtherAddress);
        Assert.Null(m.ChangedAddress);
        Assert.Equal("test-server", System.Text.Encoding.UTF8.GetString(m.Software));
        Assert.True(m.HasFingerprint);
    }

    public static TheoryData<StunSocketRole, StunChangeRequest, StunSocketRole> ChangeCases
    {
        get
        {
            var data = new TheoryData<StunSocketRole, StunChangeRequest, StunSocketRole>();
            foreach (var on in Enum.GetValues<StunSocketRole>())
            {
                data.Add(on, StunChangeRequest.None, on);
                data.Add(on, StunChangeRequest.ChangePort, (StunSocketRole)((int)on ^ 1));
                data.Add(on, StunChangeRequest.ChangeIp, (StunSocketRole)((int)on ^ 2));
                data.Add(on, StunChangeRequest.ChangeIpAndPort, (StunSocketRole)((int)on ^ 3));
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(ChangeCases))]
    public void Respond_ChangeRequest_AnswersFromTheChangedSocket(StunSocketRole receivedOn, StunChangeRequest change, StunSocketRole expectedFrom)
    {
        var (request, _) = Request(change);
        var decision = _full.Respond(request, Client, receivedOn, _response);

        Assert.Equal(StunResponseKind.SuccessResponse, decision.Kind);
        Assert.Equal((int)expectedFrom, decision.SendFrom);
        Assert.True(StunMessageReader.TryRead(_response.AsSpan(0, decision.Length), out var m));
        Assert.Equal(Sockets[(int)expectedFrom], m.ResponseOrigin);
        // OTHER-ADDRESS is relative to where the request arrived: the socket differing in both IP and port.
        Assert.Equal(Sockets[(int)receivedOn ^ 3], m.OtherAddress);
    }

    [Fact]
    public void Respond_Rfc5769SampleRequest_Answers420ListingPriority()
    {
        var decision = _full.Respond(Codec.Rfc5769Vectors.Request, Client, StunSocketRole.PrimaryIpPrimaryPort, _response);

        Assert.Equal(StunResponseKind.ErrorResponse, decision.Kind);
        Assert.True(StunMessageReader.TryRead(_response.AsSpan(0, decision.Length), out var m));
        Assert.Equal(StunMessageType.BindingErrorResponse, m.Type);
        Assert.Equal(420, m.ErrorCode);
        Assert.Equal(1, m.UnknownAttributeCount);
        Assert.Equal(0x0024, m.GetUnknownAttribute(0));
        Assert.Null(m.XorMappedAddress);
    }

    [Fact]
    public void Respond_ChangeRequestWithoutAlternates_Answers420NamingChangeRequest()
    {
        var (request, _) = Request(StunChangeRequest.ChangeIp);
        var decision = _single.Respond(request, Client, StunSocketRole.PrimaryIpPrimaryPort, _response);

        Assert.Equal(StunResponseKind.ErrorResponse, decision.Kind);
        Assert.True(StunMessageReader.TryRead(_response.AsSpan(0, decision.Length), out var m));
        Assert.Equal(420, m.ErrorCode);
        Assert.Equal((ushort)StunAttributeType.ChangeRequest, m.GetUnknownAttribute(0));
    }

    [Fact]
    public void Respond_SingleSocket_OmitsOtherAddress()
    {
        var (request, _) = Request(StunChangeRequest.None);
        var decision = _single.Respond(request, Client, StunSocketRole.PrimaryIpPrimaryPort, _response);
        Assert.True(StunMessageReader.TryRead(_response.AsSpan(0, decision.Length), out var m));
        Assert.Equal(Client, m.XorMappedAddress);
        Assert.Null(m.OtherAddress);
        Assert.True(m.Software.IsEmpty);
    }

    [Fact]
    public void Respond_ClassicRequest_AnswersWithRfc3489Attributes()
    {
        var request = new byte[64];
        var id = StunTransactionId.NewClassic();
        var w = new StunMessageWriter(request, StunMessageType.BindingRequest, id);
        w.AddChangeRequest(StunChangeRequest.ChangePort);
        w.TryComplete(out var length);

        var decision = _full.Respond(request.AsSpan(0, length), Client, StunSocketRole.PrimaryIpPrimaryPort, _response);

        Assert.Equal(1, decision.SendFrom);
        Assert.True(decision.Classic);
        Assert.True(StunMessageReader.TryRead(_response.AsSpan(0, decision.Length), out var m));
        Assert.True(m.IsClassic);
        Assert.Equal(id, m.TransactionId);
        Assert.Equal(Client, m.MappedAddress);
        Assert.Equal(Sockets[1], m.SourceAddress);
        Assert.Equal(Sockets[3], m.ChangedAddress);
        Assert.Null(m.XorMappedAddress);
        Assert.False(m.HasFingerprint);
    }

    [Theory]
    [InlineData(StunMessageClass.Indication)]
    [InlineData(StunMessageClass.SuccessResponse)]
    [InlineData(StunMessageClass.ErrorResponse)]
    public void Respond_NotARequest_IsDropped(StunMessageClass messageClass)
    {
        var request = new byte[20];
        var w = new StunMessageWriter(request, StunMessageType.Compose(1, messageClass), StunTransactionId.NewRandom());
        w.TryComplete(out _);
        var decision = _full.Respond(request, Client, StunSocketRole.PrimaryIpPrimaryPort, _response);
        Assert.Equal(StunResponseKind.Dropped, decision.Kind);
        Assert.Equal(StunDropReason.NotRequest, decision.DropReason);
    }

    [Fact]
    public void Respond_OtherMethod_Answers400WithThatMethod()
    {
        var request = new byte[20];
        var w = new StunMessageWriter(request, StunMessageType.Compose(0x003, StunMessageClass.Request), StunTransactionId.NewRandom());
        w.TryComplete(out _);
        var decision = _full.Respond(request, Client, StunSocketRole.PrimaryIpPrimaryPort, _response);
        Assert.Equal(StunResponseKind.ErrorResponse, decision.Kind);
        Assert.True(StunMessageReader.TryRead(_response.AsSpan(0, decision.Length), out var m));
        Assert.Equal(0x0113, m.Type);
        Assert.Equal(400, m.ErrorCode);
    }

    [Fact]
    public void Respond_ResponsePort_RedirectsToThatPort()
    {
        var request = new byte[64];
        var w = new StunMessageWriter(request, StunMessageType.BindingRequest, StunTransactionId.NewRandom());
        w.AddResponsePort(40001);
        w.TryComplete(out var length);
        var decision = _full.Respond(request.AsSpan(0, length), Client, StunSocketRole.PrimaryIpPrimaryPort, _response);
        Assert.Equal(StunResponseKind.SuccessResponse, decision.Kind);
        Assert.Equal(40001, decision.ResponsePort);
    }

    [Fact]
    public void Respond_Garbage_IsDroppedWithParseReason()
    {
        Assert.Equal(StunDropReason.TooShort, _full.Respond(new byte[5], Client, 0, _response).DropReason);
        Assert.Equal(StunDropReason.NotStun, _full.Respond(new byte[] { 0xFF, 0, 0, 0, 0x21, 0x12, 0xA4, 0x42, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, Client, 0, _response).DropReason);
    }

    [Fact]
    public void Respond_IPv6Client_GetsIPv6XorMappedAddress()
    {
        var v6 = new StunResponder([Addr("2001:db8::1", 3478)], "");
        var client = Addr("2001:db8:1234:5678:11:2233:4455:6677", 32853);
        var (request, _) = Request(StunChangeRequest.None);
        var decision = v6.Respond(request, client, 0, _response);
        Assert.True(StunMessageReader.TryRead(_response.AsSpan(0, decision.Length), out var m));
        Assert.Equal(client, m.XorMappedAddress);
        Assert.Equal(Addr("2001:db8::1", 3478), m.ResponseOrigin);
    }

    [Fact]
    public void Respond_SteadyState_DoesNotAllocate()
    {
        var (request, _) = Request(StunChangeRequest.ChangeIpAndPort);
        _full.Respond(request, Client, 0, _response);
        _full.Respond(Codec.Rfc5769Vectors.Request, Client, 0, _response);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            _full.Respond(request, Client, (StunSocketRole)(i & 3), _response);
            _full.Respond(Codec.Rfc5769Vectors.Request, Client, 0, _response);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static (byte[] Request, StunTransactionId Id) Request(StunChangeRequest change)
    {
        var buffer = new byte[64];
        var id = StunTransactionId.NewRandom();
        var w = new StunMessageWriter(buffer, StunMessageType.BindingRequest, id);
        if (change != StunChangeRequest.None)
        {
            w.AddChangeRequest(change);
        }

        w.AddFingerprint();
        Assert.True(w.TryComplete(out var length));
        return (buffer.AsSpan(0, length).ToArray(), id);
    }

    private static StunAddress Addr(string ip, int port) => StunAddress.FromEndPoint(new IPEndPoint(IPAddress.Parse(ip), port));
}
