using System.Text;
using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.Relay.Protocol;
using Nexodus.Mesh.Relay.Server;
using Nexodus.Mesh.Relay.Tests.Support;
using Nexodus.Mesh.Relay.Transport;
using Nexodus.Mesh.TestDoubles.Relay;

namespace Nexodus.Mesh.Relay.Tests.Mesh;

public sealed class RelayMeshTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly TestTokenIssuer _issuer = new();
    private readonly Guid _vpc = Guid.NewGuid();
    private readonly byte[] _meshKey = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
    private readonly System.Security.Cryptography.X509Certificates.X509Certificate2 _cert = DevCertificate.Create();
    private RelayTestServer _r1 = null!;
    private RelayTestServer _r2 = null!;

    public async Task InitializeAsync()
    {
        var p1 = FreePort.Next();
        var p2 = FreePort.Next();
        var trust = TlsTrust.Pin(TlsTrust.Sha256Of(_cert));
        _r1 = await RelayTestServer.StartAsync(_issuer, k => Options(k, p2, trust, _meshKey), port: p1, certificate: _cert);
        _r2 = await RelayTestServer.StartAsync(_issuer, k => Options(k, p1, trust, _meshKey), port: p2, certificate: _cert);
    }

    private static RelayServerOptions Options(PrivateKey key, int peerPort, TlsTrust trust, byte[] meshKey) => new()
    {
        PrivateKey = key,
        Region = "test",
        MeshKey = meshKey,
        MeshPeers = [new Uri($"https://127.0.0.1:{peerPort}/relay")],
        MeshTrust = trust,
        MeshRetryMin = TimeSpan.FromMilliseconds(50),
        MeshRetryMax = TimeSpan.FromMilliseconds(500),
        KeepAlive = TimeSpan.FromSeconds(5),
    };

    public async Task DisposeAsync()
    {
        await _r1.DisposeAsync();
        await _r2.DisposeAsync();
        _issuer.Dispose();
    }

    [Fact]
    public async Task TwoClients_OnMeshedRelays_ExchangePackets()
    {
        await using var a = await TestClient.ConnectAsync(_r1, _issuer, [_vpc]);
        await using var b = await TestClient.ConnectAsync(_r2, _issuer, [_vpc]);

        // a learns through the mesh that b is reachable via r1.
        Assert.Equal(b.PublicKey, await TestClient.NextAsync(a.Present, Wait));
        await WaitUntilAsync(() => _r2.Server.CanReach(a.PublicKey));

        Assert.True(a.Client.Send(b.PublicKey, "over the mesh"u8));
        var atB = await b.ReceiveAsync(Wait);
        Assert.NotNull(atB);
        Assert.Equal(a.PublicKey, atB.Source);
        Assert.Equal("over the mesh", Encoding.UTF8.GetString(atB.Packet));

        Assert.True(b.Client.Send(a.PublicKey, "and back"u8, PacketKind.Disco));
        var atA = await a.ReceiveAsync(Wait);
        Assert.NotNull(atA);
        Assert.Equal(b.PublicKey, atA.Source);
        Assert.Equal(PacketKind.Disco, atA.Kind);

        Assert.True(_r1.Server.Metrics.Value(_r1.Server.Metrics.Drops, "no_route") == 0);
        Assert.Equal(1, _r1.Server.Metrics.Connections.WithLabels("mesh_out").Value);
    }

    [Fact]
    public async Task MeshPeerLeaves_SenderOnOtherRelay_GetsPeerGone()
    {
        await using var a = await TestClient.ConnectAsync(_r1, _issuer, [_vpc]);
        var b = await TestClient.ConnectAsync(_r2, _issuer, [_vpc]);
        await TestClient.NextAsync(a.Present, Wait);
        a.Client.Send(b.PublicKey, "x"u8);
        Assert.NotNull(await b.ReceiveAsync(Wait));
        await b.DisposeAsync();
        var gone = await TestClient.NextAsync(a.Gone, Wait);
        Assert.Equal(b.PublicKey, gone.Key);
        Assert.Equal(PeerGoneReason.Disconnected, gone.Reason);
    }

    [Fact]
    public async Task AcrossMesh_NoSharedVpc_IsNotDelivered()
    {
        await using var a = await TestClient.ConnectAsync(_r1, _issuer, [_vpc]);
        await using var c = await TestClient.ConnectAsync(_r2, _issuer, [Guid.NewGuid()]);
        await WaitUntilAsync(() => _r1.Server.CanReach(c.PublicKey));
        a.Client.Send(c.PublicKey, "cross-tenant"u8);
        var gone = await TestClient.NextAsync(a.Gone, Wait);
        Assert.Equal(c.PublicKey, gone.Key);
        Assert.Null(await c.ReceiveAsync(TimeSpan.FromMilliseconds(500)));
    }

    [Fact]
    public async Task RelayWithWrongMeshKey_LearnsNothing_AndIsRefused()
    {
        await using var a = await TestClient.ConnectAsync(_r1, _issuer, [_vpc]);
        var wrongKey = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        var trust = TlsTrust.Pin(TlsTrust.Sha256Of(_cert));
        await using var rogue = await RelayTestServer.StartAsync(_issuer, k => Options(k, _r1.RelayUrl.Port, trust, wrongKey), certificate: _cert);
        await WaitUntilAsync(() => _r1.Server.Metrics.AuthFailures.WithLabels("mesh_key").Value >= 1);
        await Task.Delay(300);
        Assert.False(rogue.Server.CanReach(a.PublicKey));
        Assert.Equal(0, rogue.Server.RemoteKeys);
    }

    [Fact]
    public async Task ForwardedPacket_ForAKeyNotLocal_IsDropped_NeverReforwarded()
    {
        await using var b = await TestClient.ConnectAsync(_r2, _issuer, [_vpc]);
        await WaitUntilAsync(() => _r1.Server.CanReach(b.PublicKey));
        using var fakeRelay = PrivateKey.Generate();
        await using var raw = await RawConnection.OpenAsync(_r1);
        var proof = MeshHelloFrame.ComputeProof(_meshKey, raw.ServerKey.Challenge, fakeRelay.PublicKey, raw.ServerKey.ServerKey);
        await raw.WriteAsync(new MeshHelloFrame(fakeRelay.PublicKey, proof, "test").Encode());
        Assert.Equal(FrameType.ServerInfo, (await raw.ReadAsync()).Type);

        // b is on r2, only *known* to r1 through the mesh: r1 must not hand a mesh packet on to r2.
        var frame = new byte[ForwardPacketFrame.FrameSize(4)];
        ForwardPacketFrame.Write(frame, fakeRelay.PublicKey.Span, b.PublicKey.Span, PacketKind.Data, "loop"u8);
        await raw.WriteAsync(frame);
        await WaitUntilAsync(() => _r1.Server.Metrics.Drops.WithLabels("mesh_not_local").Value >= 1);
        Assert.Null(await b.ReceiveAsync(TimeSpan.FromMilliseconds(300)));
        Assert.Equal(0, _r1.Server.Metrics.MeshOutPackets.Value);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached in time");
            await Task.Delay(20);
        }
    }
}
