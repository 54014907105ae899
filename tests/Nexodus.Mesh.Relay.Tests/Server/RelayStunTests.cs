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

        // The server counts a request once its answer is sent, so the client can hold the answer a moment
        // before the counter moves; poll the relay's registry for it. A retransmission under load may add one.
        var text = "";
        var deadline = DateTime.UtcNow.AddSeconds(5);
        do
        {
            using var sink = new MemoryStream();
            await host.Server.Metrics.Registry.CollectAndExportAsTextAsync(sink);
            text = System.Text.Encoding.UTF8.GetString(sink.ToArray());
            if (StunRequests(text) >= 1)
            {
                break;
            }

            await Task.Delay(20);
        }
        while (DateTime.UtcNow < deadline);

        Assert.InRange(StunRequests(text), 1, 2);
    }

    private static double StunRequests(string exposition)
    {
        const string Prefix = "nexodus_stun_requests_total{protocol=\"rfc8489\"} ";
        var line = exposition.Split('\n').FirstOrDefault(l => l.StartsWith(Prefix, StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[Prefix.Length..], System.Globalization.CultureInfo.InvariantCulture);
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
