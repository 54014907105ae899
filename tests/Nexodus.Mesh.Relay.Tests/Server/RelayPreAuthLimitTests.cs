using Nexodus.Mesh.Relay.Protocol;
using Nexodus.Mesh.Relay.Server;
using Nexodus.Mesh.Relay.Tests.Support;
using Nexodus.Mesh.Relay.Transport;
using Nexodus.Mesh.TestDoubles.Relay;

namespace Nexodus.Mesh.Relay.Tests.Server;

/// <summary>
/// Connections that have not proven a key yet are capped and timed out, so a crowd of idle or slow handshakes
/// cannot tie up the relay while admitted clients keep working.
/// </summary>
public sealed class RelayPreAuthLimitTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);
    private readonly TestTokenIssuer _issuer = new();
    private readonly Guid _vpc = Guid.NewGuid();

    public void Dispose() => _issuer.Dispose();

    [Fact]
    public async Task ConnectionsOverThePreAuthCap_AreRefusedBusy_AndASlotFreesWhenOneLeaves()
    {
        await using var relay = await RelayTestServer.StartAsync(_issuer, k => new RelayServerOptions { PrivateKey = k, MaxPendingHandshakes = 2, HandshakeTimeout = TimeSpan.FromSeconds(30) });
        var metrics = relay.Server.Metrics;
        await using var admitted = await TestClient.ConnectAsync(relay, _issuer, [_vpc]);
        await using var idle1 = await RawConnection.OpenAsync(relay);
        var idle2 = await RawConnection.OpenAsync(relay);
        Assert.Equal(2, metrics.PendingHandshakes.Value);

        // The third unauthenticated connection gets "busy" instead of a server-key, and is closed.
        using (var timeout = new CancellationTokenSource(Wait))
        {
            await using var third = await RelayDialer.ConnectAsync(relay.RelayUrl, RelayTransport.Upgrade, relay.Trust, timeout.Token);
            var reader = FrameStreamReader.Create(third);
            var (type, payload) = await FrameStreamReader.ReadOneAsync(reader, timeout.Token);
            Assert.Equal(FrameType.Health, type);
            Assert.Contains("busy", TextFrame.Read(payload, ProtocolConstants.MaxPayloadSize).Text, StringComparison.Ordinal);
            await Assert.ThrowsAnyAsync<Exception>(async () => await FrameStreamReader.ReadOneAsync(reader, timeout.Token));
            await reader.CompleteAsync();
        }

        Assert.Equal(1, metrics.AuthFailures.WithLabels("preauth_limit").Value);

        // A client connecting now is refused too (and says why); once an idle connection leaves, it gets in.
        await using var late = TestClient.Create(relay, _issuer, [_vpc]);
        late.Client.Start();
        var health = await TestClient.NextAsync(late.Health, Wait);
        Assert.NotNull(health);
        Assert.Contains("busy", health, StringComparison.Ordinal);
        Assert.False(late.Client.IsConnected);

        await idle2.DisposeAsync();
        using (var connect = new CancellationTokenSource(Wait))
        {
            await late.Client.WaitConnectedAsync(connect.Token);
        }

        // Admitted sessions never counted against the cap, and still forward.
        Assert.True(admitted.Client.Send(late.PublicKey, "still here"u8));
        var received = await late.ReceiveAsync(Wait);
        Assert.NotNull(received);
        Assert.Equal("still here"u8.ToArray(), received.Packet);
        Assert.Equal(1, metrics.PendingHandshakes.Value);
    }

    [Fact]
    public async Task PendingConnection_IsClosedAfterTheHandshakeTimeout_AndLeavesTheCount()
    {
        await using var relay = await RelayTestServer.StartAsync(_issuer, k => new RelayServerOptions { PrivateKey = k, MaxPendingHandshakes = 4, HandshakeTimeout = TimeSpan.FromMilliseconds(500) });
        await using var idle = await RawConnection.OpenAsync(relay);
        Assert.Equal(1, relay.Server.Metrics.PendingHandshakes.Value);
        Assert.NotNull(await idle.WaitClosedAsync(Wait));
        Assert.Equal(1, relay.Server.Metrics.AuthFailures.WithLabels("handshake_timeout").Value);
        var deadline = DateTime.UtcNow + Wait;
        while (relay.Server.Metrics.PendingHandshakes.Value != 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.Equal(0, relay.Server.Metrics.PendingHandshakes.Value);
    }

    [Fact]
    public void Options_RejectACapBelowOne() =>
        Assert.Throws<ArgumentException>(() => new RelayServerOptions { PrivateKey = Core.Keys.PrivateKey.Generate(), MaxPendingHandshakes = 0 }.Validate());
}
