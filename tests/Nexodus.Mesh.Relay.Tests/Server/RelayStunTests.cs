using System.Net;
using Nexodus.Mesh.Relay.Server;
using Nexodus.Mesh.Stun.Client;
using Nexodus.Mesh.TestDoubles.Relay;

namespace Nexodus.Mesh.Relay.Tests.Server;

public sealed class RelayStunTests
{
    [Fact]
    public async Task EmbeddedStun_AnswersBindingRequests_AndCountsInRelayMetrics()
    {
        using var issuer = new TestTokenIssuer();
        using var key = Nexodus.Mesh.Core.Keys.PrivateKey.Generate();
        await using var host = await RelayHost.StartAsync(
            new RelayHostOptions
            {
                Listen = new IPEndPoint(IPAddress.Loopback, 0),
                Certificate = DevCertificate.Create(),
                StunListen = new IPEndPoint(IPAddress.Loopback, 0),
                ControlJwksJson = issuer.JwksJson,
            },
            new RelayServerOptions { PrivateKey = key });
        Assert.NotNull(host.StunEndpoint);
        Assert.NotEqual(0, host.StunEndpoint.Port);

        await using var stun = StunUdpClient.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var result = await stun.Client.BindAsync(host.StunEndpoint);
        Assert.Equal(StunBindingStatus.Success, result.Status);
        Assert.Equal(stun.LocalEndPoint, result.MappedAddress);

        using var sink = new MemoryStream();
        await host.Server.Metrics.Registry.CollectAndExportAsTextAsync(sink);
        var text = System.Text.Encoding.UTF8.GetString(sink.ToArray());
        Assert.Contains("nexodus_stun_requests_total{protocol=\"rfc8489\"} 1", text);
    }

    [Fact]
    public async Task StunPortInUse_IsAClearStartupError()
    {
        using var issuer = new TestTokenIssuer();
        using var key = Nexodus.Mesh.Core.Keys.PrivateKey.Generate();
        using var taken = new System.Net.Sockets.UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => RelayHost.StartAsync(
            new RelayHostOptions
            {
                Listen = new IPEndPoint(IPAddress.Loopback, 0),
                Certificate = DevCertificate.Create(),
                StunListen = (IPEndPoint)taken.Client.LocalEndPoint!,
                ControlJwksJson = issuer.JwksJson,
            },
            new RelayServerOptions { PrivateKey = key }));
        Assert.Contains("--stun-listen", e.Message);
    }
}
