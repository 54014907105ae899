using System.Net;
using System.Text.RegularExpressions;
using Nexodus.Mesh.Stun.Client;
using Nexodus.Mesh.Stun.Server;
using Prometheus;
using Xunit.Abstractions;

namespace Nexodus.Mesh.Stun.Tests.Interop;

/// <summary>
/// Interop on loopback with independent implementations from Debian: coturn's turnutils_stunclient and
/// turnserver, and the classic (RFC 3489) stun client.
/// </summary>
public sealed partial class RealPeerInteropTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly IPAddress Alternate = IPAddress.Parse("127.0.0.2");
    private readonly SourceRecordingLogger _log = new();
    private StunServer _server = null!;

    public Task InitializeAsync()
    {
        _server = new StunServer(
            new StunServerOptions { Listen = new IPEndPoint(IPAddress.Loopback, 0), AlternateIp = Alternate, AlternatePort = 0 },
            new StunServerMetrics(Metrics.NewCustomRegistry()),
            _log);
        _server.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task TurnutilsStunclient_OurServer_PrintsTheReflexiveAddressesWeAnswered()
    {
        Assert.True(ExternalProcess.Exists("turnutils_stunclient"), "turnutils_stunclient (Debian package coturn) is not installed; .ci/run installs it");
        var (_, text) = await ExternalProcess.RunAsync(
            "turnutils_stunclient", ["-p", _server.LocalEndPoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "127.0.0.1"], TimeSpan.FromSeconds(30));
        output.WriteLine(text);

        var reflexive = ReflexiveLine().Matches(text).Select(m => m.Groups[1].Value).Distinct().ToList();
        Assert.NotEmpty(reflexive);
        foreach (var address in reflexive)
        {
            Assert.StartsWith("127.0.0.1:", address, StringComparison.Ordinal);
            Assert.Contains(address, _log.AnsweredSources);
        }

        // It ran the RFC 5780 exchange: our OTHER-ADDRESS and an answer from the alternate socket.
        var alternate = _server.GetLocalEndPoint(StunSocketRole.AlternateIpAlternatePort)!.ToString();
        Assert.Contains($"Other addr: : {alternate}", text, StringComparison.Ordinal);
        Assert.Contains($"Response origin: : {alternate}", text, StringComparison.Ordinal);
        Assert.Contains($"Response origin: : {_server.LocalEndPoint}", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClassicStunClient_OurServer_GetsItsSourcePortAndSeesNoNat()
    {
        Assert.True(ExternalProcess.Exists("stun"), "stun (Debian package stun-client) is not installed; .ci/run installs it");
        var source = ExternalProcess.FreePort(IPAddress.Loopback);
        var (_, text) = await ExternalProcess.RunAsync(
            "stun", [_server.LocalEndPoint.ToString(), "-v", "-p", source.ToString(System.Globalization.CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(60));
        output.WriteLine(text);

        Assert.Contains($"MappedAddress = 127.0.0.1:{source}", text, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{source}", _log.AnsweredSources);
        Assert.Contains($"ChangedAddress = {_server.GetLocalEndPoint(StunSocketRole.AlternateIpAlternatePort)}", text, StringComparison.Ordinal);
        // All of its tests (incl. change IP+port) were answered: loopback is "Open".
        Assert.Contains("Primary: Open", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OurClient_Coturn_GetsReflexiveAddressAndRfc5780Behaviour()
    {
        Assert.True(ExternalProcess.Exists("turnserver"), "turnserver (Debian package coturn) is not installed; .ci/run installs it");
        var port = ExternalProcess.FreePort(IPAddress.Loopback);
        using var coturn = ExternalProcess.Start("turnserver",
        [
            "-n", "--stun-only", "--no-auth", "--no-tls", "--no-dtls", "--no-tcp", "--no-cli",
            "--listening-ip", "127.0.0.1", "--listening-ip", "127.0.0.2",
            "--listening-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--alt-listening-port", (port + 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--log-file", "stdout", "--simple-log",
        ]);
        try
        {
            var server = new IPEndPoint(IPAddress.Loopback, port);
            await using var udp = StunUdpClient.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var quick = new StunRetransmissionOptions { InitialRto = TimeSpan.FromMilliseconds(100), RequestCount = 2, LastWaitMultiplier = 2 };
            StunBindingResult result;
            var deadline = Environment.TickCount64 + 10_000;
            do
            {
                // turnserver needs a moment to open its sockets.
                result = await udp.Client.BindAsync(server, retransmission: quick);
            }
            while (!result.IsSuccess && Environment.TickCount64 < deadline && !coturn.HasExited);

            Assert.True(result.IsSuccess, $"no answer from coturn: {result.Status}");
            Assert.Equal(udp.LocalEndPoint, result.MappedAddress);
            Assert.Equal(new IPEndPoint(Alternate, port + 1), result.OtherAddress);

            var report = await new NatBehaviorDiscovery(udp.Client).DiscoverAsync(server, udp.LocalEndPoint);
            output.WriteLine($"{report}");
            Assert.False(report.BehindNat);
            Assert.Equal(udp.LocalEndPoint, report.MappedAddress);
            Assert.Equal(NatMapping.EndpointIndependent, report.Mapping);
            Assert.Equal(NatFiltering.EndpointIndependent, report.Filtering);
            Assert.True(report.Hairpinning);
        }
        finally
        {
            coturn.Kill(entireProcessTree: true);
            await coturn.WaitForExitAsync();
        }
    }

    [GeneratedRegex(@"UDP reflexive addr: (\S+)")]
    private static partial Regex ReflexiveLine();
}
