using System.Diagnostics;
using System.Net;
using Nexodus.Mesh.Netsim;
using Nexodus.Mesh.Netsim.Scenarios;
using Nexodus.Mesh.Stun.Client;
using Nexodus.Mesh.Stun.Server;
using Nexodus.Mesh.TestDoubles;
using Nexodus.Mesh.TestDoubles.Netsim;
using Prometheus;
using Xunit.Abstractions;

namespace Nexodus.Mesh.Stun.Tests.Netsim;

/// <summary>
/// Our server in the scenario's public server host (both addresses, ports 3478/3479), our client in the host
/// under test, real kernel NAT in between: the classification must equal what the scenario declares. The
/// classic <c>stun</c> client run through our server must agree too.
/// </summary>
public sealed class NetsimStunTests(ITestOutputHelper output)
{
    private static readonly TimeSpan NoUdpTimeout = TimeSpan.FromSeconds(3);

    public static TheoryData<string> Scenarios() => [.. BuiltInScenarios.Names];

    [RootTheory]
    [MemberData(nameof(Scenarios))]
    public async Task OurClient_OurServer_ClassifiesAsTheScenarioDeclares(string name)
    {
        var scenario = BuiltInScenarios.Load(name);
        var expect = scenario.Expect!;
        await using var lab = await Lab.StartAsync(scenario);
        var serverHost = lab.Host(expect.Server);
        var host = lab.Host(expect.Host);
        await using var server = await StartServerAsync(serverHost);
        var primary = server.LocalEndPoint;

        var local = new IPEndPoint(host.Address, 0);
        var udp = await host.RunAsync(() => StunUdpClient.Bind(local));
        await using (udp)
        {
            var options = new NatBehaviorDiscoveryOptions { Binding = StunRetransmissionOptions.Default with { TotalTimeout = NoUdpTimeout } };
            var stopwatch = Stopwatch.StartNew();
            var report = await new NatBehaviorDiscovery(udp.Client, options).DiscoverAsync(primary, udp.LocalEndPoint);
            stopwatch.Stop();
            output.WriteLine($"{name}: udpBlocked={report.UdpBlocked} mapped={report.MappedAddress} behindNat={report.BehindNat} " +
                $"mapping={report.Mapping.ShortName()} filtering={report.Filtering.ShortName()} hairpin={report.Hairpinning} " +
                $"({stopwatch.Elapsed.TotalSeconds:0.0} s) {string.Join("; ", report.Notes)}");

            if (expect.UdpBlocked)
            {
                Assert.True(report.UdpBlocked);
                Assert.True(stopwatch.Elapsed < NoUdpTimeout + TimeSpan.FromSeconds(2), $"'no UDP' took {stopwatch.Elapsed}");
                return;
            }

            Assert.False(report.UdpBlocked);
            Assert.NotNull(report.MappedAddress);
            if (expect.Mapping == MappingBehavior.None)
            {
                Assert.False(report.BehindNat);
                Assert.Equal(udp.LocalEndPoint, report.MappedAddress);
                Assert.Equal(NatFiltering.EndpointIndependent, report.Filtering); // no NAT, nothing filters
                return;
            }

            Assert.True(report.BehindNat);
            Assert.NotEqual(host.Address, report.MappedAddress!.Address);
            Assert.Equal(ToNatMapping(expect.Mapping), report.Mapping);
            Assert.Equal(ToNatFiltering(expect.Filtering), report.Filtering);
            Assert.Equal(expect.Hairpin, report.Hairpinning);
        }
    }

    [RootTheory]
    [MemberData(nameof(Scenarios))]
    public async Task ClassicStunClient_OurServer_AgreesWithTheScenario(string name)
    {
        var scenario = BuiltInScenarios.Load(name);
        var expect = scenario.Expect!;
        await using var lab = await Lab.StartAsync(scenario);
        var serverHost = lab.Host(expect.Server);
        await using var server = await StartServerAsync(serverHost);

        var result = await lab.Host(expect.Host).ExecAsync(["stun", server.LocalEndPoint.ToString()], TimeSpan.FromSeconds(90));
        var text = result.StandardOutput + "\n" + result.StandardError;
        var verdict = text.Split('\n').FirstOrDefault(l => l.StartsWith("Primary:", StringComparison.Ordinal));
        output.WriteLine($"{name}: {verdict}");
        Assert.True(verdict is not null, $"no verdict from stun:\n{text}");
        foreach (var part in ClassicStunVerdict.Expected(expect))
        {
            Assert.Contains(part, verdict, StringComparison.Ordinal);
        }
    }

    [RootTheory]
    [InlineData("adm-adf")]
    [InlineData("eim-apdf-hairpin")]
    [InlineData("udp-blocked")]
    public async Task Binary_ServeAndProbeViaNetsimExec_ReportTheScenario(string name)
    {
        var scenario = BuiltInScenarios.Load(name);
        var expect = scenario.Expect!;
        await using var lab = await Lab.StartAsync(scenario);
        var serverHost = lab.Host(expect.Server);
        var cli = Path.Combine(AppContext.BaseDirectory, "nexodus-stun.dll");
        await using var serve = serverHost.StartProcess(
            "dotnet", cli, "--listen", $"{serverHost.Addresses[0]}:3478", "--alternate-ip", serverHost.Addresses[1].ToString(), "--alternate-port", "3479");
        await serverHost.WaitForUdpPortAsync(3479, TimeSpan.FromSeconds(20));
        await serve.WaitForOutputAsync("listening on", TimeSpan.FromSeconds(20));

        var probe = await lab.Host(expect.Host).ExecAsync(
            ["dotnet", cli, "probe", $"{serverHost.Addresses[0]}:3478", "--json", "--timeout", "3s"], TimeSpan.FromSeconds(60));
        output.WriteLine(probe.StandardOutput + probe.StandardError);

        using var json = System.Text.Json.JsonDocument.Parse(probe.StandardOutput);
        var root = json.RootElement;
        if (expect.UdpBlocked)
        {
            Assert.Equal(3, probe.ExitCode);
            Assert.False(root.GetProperty("udp").GetBoolean());
            return;
        }

        Assert.Equal(0, probe.ExitCode);
        Assert.True(root.GetProperty("udp").GetBoolean());
        Assert.True(root.GetProperty("behindNat").GetBoolean());
        Assert.Equal(ToNatMapping(expect.Mapping).ShortName(), root.GetProperty("mapping").GetString());
        Assert.Equal(ToNatFiltering(expect.Filtering).ShortName(), root.GetProperty("filtering").GetString());
        Assert.Equal(expect.Hairpin, root.GetProperty("hairpinning").GetBoolean());
    }

    /// <summary>Starts the server with sockets created inside the server host's namespace.</summary>
    private static async Task<StunServer> StartServerAsync(LabHost serverHost)
    {
        Assert.True(serverHost.Addresses.Count >= 2, $"{serverHost.Name} needs two addresses for RFC 5780");
        var server = new StunServer(
            new StunServerOptions { Listen = new IPEndPoint(serverHost.Addresses[0], 3478), AlternateIp = serverHost.Addresses[1], AlternatePort = 3479 },
            new StunServerMetrics(Metrics.NewCustomRegistry()));
        await serverHost.RunAsync(server.Start);
        return server;
    }


    private static NatMapping ToNatMapping(MappingBehavior m) => m switch
    {
        MappingBehavior.EndpointIndependent => NatMapping.EndpointIndependent,
        MappingBehavior.AddressDependent => NatMapping.AddressDependent,
        MappingBehavior.AddressAndPortDependent => NatMapping.AddressAndPortDependent,
        _ => NatMapping.Unknown,
    };

    private static NatFiltering ToNatFiltering(FilteringBehavior f) => f switch
    {
        FilteringBehavior.EndpointIndependent => NatFiltering.EndpointIndependent,
        FilteringBehavior.AddressDependent => NatFiltering.AddressDependent,
        FilteringBehavior.AddressAndPortDependent => NatFiltering.AddressAndPortDependent,
        _ => NatFiltering.Unknown,
    };
}
