using System.Text;
using Nexodus.Mesh.Relay.Protocol;
using Nexodus.Mesh.Relay.Tests.Support;
using Nexodus.Mesh.Relay.Transport;
using Nexodus.Mesh.TestDoubles.Relay;

namespace Nexodus.Mesh.Relay.Tests.Server;

public sealed class RelayForwardingTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);
    private readonly TestTokenIssuer _issuer = new();
    private readonly Guid _vpc = Guid.NewGuid();
    private RelayTestServer _relay = null!;

    public async Task InitializeAsync() => _relay = await RelayTestServer.StartAsync(_issuer);

    public async Task DisposeAsync()
    {
        await _relay.DisposeAsync();
        _issuer.Dispose();
    }

    [Theory]
    [InlineData(RelayTransport.Upgrade, RelayTransport.Upgrade)]
    [InlineData(RelayTransport.WebSocket, RelayTransport.WebSocket)]
    [InlineData(RelayTransport.Upgrade, RelayTransport.WebSocket)]
    public async Task TwoClients_ExchangePackets_BothWays(RelayTransport ta, RelayTransport tb)
    {
        await using var a = await TestClient.ConnectAsync(_relay, _issuer, [_vpc], ta);
        await using var b = await TestClient.ConnectAsync(_relay, _issuer, [_vpc], tb);

        Assert.True(a.Client.Send(b.PublicKey, "hello b"u8));
        var atB = await b.ReceiveAsync(Wait);
        Assert.NotNull(atB);
        Assert.Equal(a.PublicKey, atB.Source);
        Assert.Equal("hello b", Encoding.UTF8.GetString(atB.Packet));
        Assert.Equal(PacketKind.Data, atB.Kind);

        Assert.True(b.Client.Send(a.PublicKey, "disco to a"u8, PacketKind.Disco));
        var atA = await a.ReceiveAsync(Wait);
        Assert.NotNull(atA);
        Assert.Equal(b.PublicKey, atA.Source);
        Assert.Equal(PacketKind.Disco, atA.Kind);
        Assert.Equal(_relay.Key.PublicKey, a.Client.ServerKey);

        // Upgrade connections run on the connection's TLS stream directly (the fast path); WebSockets never do.
        Assert.Equal((ta == RelayTransport.Upgrade ? 1 : 0) + (tb == RelayTransport.Upgrade ? 1 : 0), Interlocked.Read(ref _relay.Server.DirectTlsConnections));
    }

    [Fact]
    public async Task ManyPackets_ArriveInOrder_Intact()
    {
        await using var a = await TestClient.ConnectAsync(_relay, _issuer, [_vpc]);
        await using var b = await TestClient.ConnectAsync(_relay, _issuer, [_vpc]);
        const int count = 500;
        var packet = new byte[1400];
        for (var i = 0; i < count; i++)
        {
            BitConverter.TryWriteBytes(packet, i);
            packet[^1] = (byte)i;
            Assert.True(a.Client.Send(b.PublicKey, packet));
            if (i % 100 == 99)
            {
                await Task.Delay(10);
            }
        }

        for (var i = 0; i < count; i++)
        {
            var r = await b.ReceiveAsync(Wait);
            Assert.NotNull(r);
            Assert.Equal(1400, r.Packet.Length);
            Assert.Equal(i, BitConverter.ToInt32(r.Packet));
            Assert.Equal((byte)i, r.Packet[^1]);
        }
    }

    [Fact]
    public async Task SendToAbsentKey_GetsPeerGoneNotHere()
    {
        await using var a = await TestClient.ConnectAsync(_relay, _issuer, [_vpc]);
        using var absent = Nexodus.Mesh.Core.Keys.PrivateKey.Generate();
        a.Client.Send(absent.PublicKey, "anyone?"u8);
        var gone = await TestClient.NextAsync(a.Gone, Wait);
        Assert.Equal(absent.PublicKey, gone.Key);
        Assert.Equal(PeerGoneReason.NotHere, gone.Reason);
    }

    [Fact]
    public async Task DestinationLeaves_SenderGetsPeerGoneDisconnected()
    {
        await using var a = await TestClient.ConnectAsync(_relay, _issuer, [_vpc]);
        var b = await TestClient.ConnectAsync(_relay, _issuer, [_vpc]);
        a.Client.Send(b.PublicKey, "x"u8);
        Assert.NotNull(await b.ReceiveAsync(Wait));
        await b.DisposeAsync();
        var gone = await TestClient.NextAsync(a.Gone, Wait);
        Assert.Equal(b.PublicKey, gone.Key);
        Assert.Equal(PeerGoneReason.Disconnected, gone.Reason);
    }

    [Fact]
    public async Task PeerSharingVpc_Connects_OthersGetPeerPresent()
    {
        await using var a = await TestClient.ConnectAsync(_relay, _issuer, [_vpc]);
        await using var other = await TestClient.ConnectAsync(_relay, _issuer, [Guid.NewGuid()]);
        await using var b = await TestClient.ConnectAsync(_relay, _issuer, [_vpc]);
        Assert.Equal(b.PublicKey, await TestClient.NextAsync(a.Present, Wait));
        // A client in another VPC is not told.
        Assert.Equal(default, await TestClient.NextAsync(other.Present, TimeSpan.FromMilliseconds(300)));
    }

    [Fact]
    public async Task SecondConnectionForSameKey_Wins_OldGetsHealthAndIsClosed()
    {
        await using var a = await TestClient.ConnectAsync(_relay, _issuer, [_vpc]);
        var first = TestClient.Create(_relay, _issuer, [_vpc], reconnectMax: TimeSpan.FromSeconds(30));
        first.Client.Start();
        await first.Client.WaitConnectedAsync(new CancellationTokenSource(Wait).Token);
        var disconnected = new TaskCompletionSource<string>();
        first.Client.Disconnected += r => disconnected.TrySetResult(r);

        await using var second = TestClient.Create(_relay, _issuer, [_vpc], key: first.Key);
        second.Client.Start();
        await second.Client.WaitConnectedAsync(new CancellationTokenSource(Wait).Token);

        var health = await TestClient.NextAsync(first.Health, Wait);
        Assert.Contains("replaced", health);
        await disconnected.Task.WaitAsync(Wait);
        await first.DisposeAsync();

        a.Client.Send(second.PublicKey, "to the new one"u8);
        var r = await second.ReceiveAsync(Wait);
        Assert.NotNull(r);
        Assert.Equal("to the new one", Encoding.UTF8.GetString(r.Packet));
    }

    [Fact]
    public async Task TokenUpdate_OnLiveSession_ChangesVpcsWithoutReconnect()
    {
        var vpc2 = Guid.NewGuid();
        await using var a = await TestClient.ConnectAsync(_relay, _issuer, [_vpc]);
        await using var c = await TestClient.ConnectAsync(_relay, _issuer, [vpc2]);

        a.Client.Send(c.PublicKey, "before"u8);
        Assert.Null(await c.ReceiveAsync(TimeSpan.FromMilliseconds(300)));

        Assert.True(a.Client.UpdateToken(_issuer.Issue(a.PublicKey, [_vpc, vpc2])));
        await a.Client.PingAsync(new CancellationTokenSource(Wait).Token); // the update is processed before the pong
        a.Client.Send(c.PublicKey, "after"u8);
        var r = await c.ReceiveAsync(Wait);
        Assert.NotNull(r);
        Assert.Equal("after", Encoding.UTF8.GetString(r.Packet));
        Assert.Equal(1, a.Client.ConnectionCount);
    }

    [Fact]
    public async Task Ping_RoundTrips()
    {
        await using var a = await TestClient.ConnectAsync(_relay, _issuer, [_vpc]);
        var rtt = await a.Client.PingAsync(new CancellationTokenSource(Wait).Token);
        Assert.True(rtt < Wait);
    }

    [Fact]
    public async Task HttpEndpoints_ProbeHealthzMetrics()
    {
        using var http = new HttpClient(new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = (_, c, _, e) => _relay.Trust.Validate(c, e) } });
        var probe = await http.GetAsync(new Uri(_relay.Host.Url, "/relay/probe"));
        Assert.Equal(System.Net.HttpStatusCode.NoContent, probe.StatusCode);
        Assert.Equal("ok", await http.GetStringAsync(new Uri(_relay.Host.Url, "/healthz")));
        await using var a = await TestClient.ConnectAsync(_relay, _issuer, [_vpc]);
        var metrics = await http.GetStringAsync(new Uri(_relay.Host.Url, "/metrics"));
        Assert.Contains("nexodus_relay_connections{kind=\"client\"} 1", metrics);
        Assert.Contains("nexodus_relay_auth_failures_total", metrics, StringComparison.Ordinal);
        var plain = await http.GetAsync(new Uri(_relay.Host.Url, "/relay"));
        Assert.Equal(System.Net.HttpStatusCode.UpgradeRequired, plain.StatusCode);
    }
}
