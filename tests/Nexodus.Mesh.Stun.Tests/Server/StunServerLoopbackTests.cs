using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Nexodus.Mesh.Stun.Codec;
using Nexodus.Mesh.Stun.Server;
using Prometheus;

namespace Nexodus.Mesh.Stun.Tests.Server;

/// <summary>The server on real UDP sockets: 127.0.0.1 primary, 127.0.0.2 alternate (all of 127/8 is local on Linux).</summary>
public sealed class StunServerLoopbackTests : IAsyncLifetime
{
    private static readonly IPAddress Alternate = IPAddress.Parse("127.0.0.2");
    private StunServer _server = null!;
    private Socket _client = null!;

    public Task InitializeAsync()
    {
        _server = new StunServer(
            new StunServerOptions { Listen = new IPEndPoint(IPAddress.Loopback, 0), AlternateIp = Alternate, AlternatePort = 0 },
            new StunServerMetrics(Metrics.NewCustomRegistry()));
        _server.Start();
        _client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _client.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public void Start_WithAlternates_BindsFourSockets()
    {
        Assert.True(_server.SupportsBehaviorDiscovery);
        var pp = _server.GetLocalEndPoint(StunSocketRole.PrimaryIpPrimaryPort)!;
        var pa = _server.GetLocalEndPoint(StunSocketRole.PrimaryIpAlternatePort)!;
        var ap = _server.GetLocalEndPoint(StunSocketRole.AlternateIpPrimaryPort)!;
        var aa = _server.GetLocalEndPoint(StunSocketRole.AlternateIpAlternatePort)!;
        Assert.Equal(IPAddress.Loopback, pp.Address);
        Assert.Equal(IPAddress.Loopback, pa.Address);
        Assert.Equal(Alternate, ap.Address);
        Assert.Equal(Alternate, aa.Address);
        Assert.Equal(pp.Port, ap.Port);
        Assert.Equal(pa.Port, aa.Port);
        Assert.NotEqual(pp.Port, pa.Port);
    }

    [Theory]
    [InlineData(StunSocketRole.PrimaryIpPrimaryPort, StunChangeRequest.None)]
    [InlineData(StunSocketRole.PrimaryIpPrimaryPort, StunChangeRequest.ChangePort)]
    [InlineData(StunSocketRole.PrimaryIpPrimaryPort, StunChangeRequest.ChangeIp)]
    [InlineData(StunSocketRole.PrimaryIpPrimaryPort, StunChangeRequest.ChangeIpAndPort)]
    [InlineData(StunSocketRole.AlternateIpAlternatePort, StunChangeRequest.None)]
    [InlineData(StunSocketRole.AlternateIpAlternatePort, StunChangeRequest.ChangeIpAndPort)]
    [InlineData(StunSocketRole.PrimaryIpAlternatePort, StunChangeRequest.ChangeIp)]
    [InlineData(StunSocketRole.AlternateIpPrimaryPort, StunChangeRequest.ChangePort)]
    public void Binding_ToSocket_AnswersFromTheRightSocketWithCorrectAttributes(StunSocketRole to, StunChangeRequest change)
    {
        var target = _server.GetLocalEndPoint(to)!;
        var expectedFrom = _server.GetLocalEndPoint((StunSocketRole)((int)to
            ^ ((change & StunChangeRequest.ChangeIp) != 0 ? 2 : 0)
            ^ ((change & StunChangeRequest.ChangePort) != 0 ? 1 : 0)))!;
        var expectedOther = _server.GetLocalEndPoint((StunSocketRole)((int)to ^ 3))!;

        var (answer, from) = Exchange(target, change);

        Assert.Equal(expectedFrom, from);
        Assert.True(StunMessageReader.TryRead(answer, out var m));
        Assert.Equal(StunMessageClass.SuccessResponse, m.Class);
        Assert.Equal(_client.LocalEndPoint, m.XorMappedAddress!.Value.ToEndPoint());
        Assert.Equal(expectedFrom, m.ResponseOrigin!.Value.ToEndPoint());
        Assert.Equal(expectedOther, m.OtherAddress!.Value.ToEndPoint());
    }

    [Fact]
    public async Task Metrics_CountRequestsResponsesAndDrops()
    {
        var metrics = _server.Metrics;
        Exchange(_server.LocalEndPoint, StunChangeRequest.None);
        Exchange(_server.LocalEndPoint, StunChangeRequest.ChangeIpAndPort);
        _client.SendTo(new byte[] { 1, 2, 3 }, _server.LocalEndPoint);
        var response = new byte[20];
        new StunMessageWriter(response, StunMessageType.BindingSuccessResponse, StunTransactionId.NewRandom()).TryComplete(out _);
        _client.SendTo(response, _server.LocalEndPoint);
        // A request after the garbage proves the garbage was processed (one loop per socket, in order).
        Exchange(_server.LocalEndPoint, StunChangeRequest.None);

        // The counter is bumped right after the send, so the client can be faster than the server.
        await Eventually.TrueAsync(() => metrics.SuccessResponses == 3, "three success responses are counted");
        Assert.Equal(3, metrics.RequestsModern);
        Assert.Equal(1, metrics.ChangedOriginResponses);
        Assert.Equal(1, metrics.Dropped(StunDropReason.TooShort));
        Assert.Equal(1, metrics.Dropped(StunDropReason.NotRequest));
    }

    [Fact]
    public void ResponsePort_AnswerArrivesOnTheOtherClientPort()
    {
        using var second = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        second.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        second.ReceiveTimeout = 5000;
        var request = new byte[64];
        var id = StunTransactionId.NewRandom();
        var w = new StunMessageWriter(request, StunMessageType.BindingRequest, id);
        w.AddResponsePort((ushort)((IPEndPoint)second.LocalEndPoint!).Port);
        w.TryComplete(out var length);
        _client.SendTo(request.AsSpan(0, length), SocketFlags.None, _server.LocalEndPoint);

        var buffer = new byte[1500];
        var n = second.Receive(buffer);
        Assert.True(StunMessageReader.TryRead(buffer.AsSpan(0, n), out var m));
        Assert.Equal(id, m.TransactionId);
        Assert.Equal(_client.LocalEndPoint, m.XorMappedAddress!.Value.ToEndPoint());
    }

    [Fact]
    public async Task Dispose_ReleasesThePorts()
    {
        var server = new StunServer(new StunServerOptions { Listen = new IPEndPoint(IPAddress.Loopback, 0) }, new StunServerMetrics(Metrics.NewCustomRegistry()));
        server.Start();
        var endPoint = server.LocalEndPoint;
        await server.DisposeAsync();
        using var again = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        again.Bind(endPoint);
    }

    [Fact]
    public async Task Start_AddressInUse_ThrowsSocketException()
    {
        var options = new StunServerOptions { Listen = _server.LocalEndPoint };
        await using var clash = new StunServer(options, new StunServerMetrics(Metrics.NewCustomRegistry()));
        var e = Assert.Throws<SocketException>(clash.Start);
        Assert.Equal(SocketError.AddressAlreadyInUse, e.SocketErrorCode);
    }

    [Fact]
    public void Options_Invalid_AreRejectedWithNamedSetting()
    {
        var errors = new StunServerOptions
        {
            Listen = new IPEndPoint(IPAddress.Any, 3478),
            AlternateIp = IPAddress.IPv6Loopback,
            AlternatePort = 3478,
        }.Validate();
        Assert.Contains(errors, e => e.StartsWith("AlternateIp:", StringComparison.Ordinal) && e.Contains("family", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("AlternateIp:", StringComparison.Ordinal) && e.Contains("specific listen address", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("AlternatePort:", StringComparison.Ordinal));
        Assert.Throws<ArgumentException>(() => new StunServer(new StunServerOptions { Listen = new IPEndPoint(IPAddress.Loopback, 1), AlternatePort = 1 }));
    }

    [Fact]
    public async Task IPv6Loopback_Binding_ReturnsIPv6ReflexiveAddress()
    {
        await using var server = new StunServer(new StunServerOptions { Listen = new IPEndPoint(IPAddress.IPv6Loopback, 0) }, new StunServerMetrics(Metrics.NewCustomRegistry()));
        server.Start();
        using var client = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp);
        client.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
        var (answer, _) = Exchange(client, server.LocalEndPoint, StunChangeRequest.None);
        Assert.True(StunMessageReader.TryRead(answer, out var m));
        Assert.Equal(client.LocalEndPoint, m.XorMappedAddress!.Value.ToEndPoint());
    }

    [Fact]
    public async Task HostedService_AddStunServer_AnswersWhileHostRuns()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton(new StunServerMetrics(Metrics.NewCustomRegistry()));
        builder.Services.AddStunServer(o => o.Listen = new IPEndPoint(IPAddress.Loopback, 0));
        using var host = builder.Build();
        await host.StartAsync();
        var server = await host.Services.GetRequiredService<StunServerHostedService>().Started.WaitAsync(TimeSpan.FromSeconds(10));
        var (answer, _) = Exchange(server.LocalEndPoint, StunChangeRequest.None);
        Assert.True(StunMessageReader.TryRead(answer, out var m));
        Assert.Equal(_client.LocalEndPoint, m.XorMappedAddress!.Value.ToEndPoint());
        await host.StopAsync();
    }

    private (byte[] Answer, IPEndPoint From) Exchange(IPEndPoint target, StunChangeRequest change) => Exchange(_client, target, change);

    private static (byte[] Answer, IPEndPoint From) Exchange(Socket client, IPEndPoint target, StunChangeRequest change)
    {
        var request = new byte[64];
        var id = StunTransactionId.NewRandom();
        var w = new StunMessageWriter(request, StunMessageType.BindingRequest, id);
        if (change != StunChangeRequest.None)
        {
            w.AddChangeRequest(change);
        }

        w.TryComplete(out var length);
        client.ReceiveTimeout = 5000;
        client.SendTo(request.AsSpan(0, length), SocketFlags.None, target);
        var buffer = new byte[1500];
        EndPoint from = new IPEndPoint(client.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0);
        var n = client.ReceiveFrom(buffer, ref from);
        var answer = buffer.AsSpan(0, n).ToArray();
        Assert.True(StunMessageReader.TryRead(answer, out var m));
        Assert.Equal(id, m.TransactionId);
        return (answer, (IPEndPoint)from);
    }
}
