using System.Net;
using System.Net.Sockets;
using Nexodus.Mesh.Netsim.Scenarios;
using Nexodus.Mesh.TestDoubles;
using Nexodus.Mesh.TestDoubles.Netsim;
using Xunit.Abstractions;

namespace Nexodus.Mesh.Netsim.Tests;

/// <summary>Every built-in scenario does what its <c>expect</c> block says, checked with real packets.</summary>
public sealed class NatBehaviorTests(ITestOutputHelper output)
{
    public static TheoryData<string> Scenarios() => [.. BuiltInScenarios.Names];

    [RootTheory]
    [MemberData(nameof(Scenarios))]
    public async Task Scenario_BehavesAsDeclared(string name)
    {
        var scenario = BuiltInScenarios.Load(name);
        var expect = scenario.Expect!;
        await using var lab = await Lab.StartAsync(scenario);
        var host = lab.Host(expect.Host);
        await using var observer = UdpObserver.Start(lab.Host(expect.Server));

        var result = await NatProbe.ClassifyAsync(host, observer);
        output.WriteLine($"{name}: {result}");
        var diagnostics = host.Gateway is { } gw ? await gw.DescribeNatStateAsync() : string.Empty;
        Assert.True(expect.UdpBlocked == result.UdpBlocked, $"UDP blocked: expected {expect.UdpBlocked}, saw {result}\n{diagnostics}");
        Assert.True(expect.Mapping == result.Mapping, $"mapping: expected {expect.Mapping}, saw {result}\n{diagnostics}");
        Assert.True(expect.Filtering == result.Filtering, $"filtering: expected {expect.Filtering}, saw {result}\n{diagnostics}");

        if (!result.UdpBlocked)
        {
            // The mapping's address is the outermost NAT's WAN address (or the host itself when public).
            var chain = scenario.NatChain(host.Network);
            var expectedPublic = chain.Count == 0 ? host.Address : chain[^1].WanAddress;
            Assert.Equal(expectedPublic, result.MappingA1P1!.Address);
        }

        var sibling = lab.Hosts.Values.FirstOrDefault(h => h != host && h.Network == host.Network);
        if (sibling is not null && !expect.UdpBlocked && scenario.NatChain(host.Network).Count > 0)
        {
            var (reached, seen, senderMapping) = await NatProbe.ProbeHairpinAsync(host, sibling, observer);
            output.WriteLine($"{name}: hairpin reached={reached} seen={seen} sender mapping={senderMapping}");
            Assert.Equal(expect.Hairpin, reached);
            if (reached)
            {
                // Proper hairpinning shows the sender's public endpoint, not its private one.
                Assert.Equal(senderMapping!.Address, seen!.Address);
                if (scenario.NatChain(host.Network)[0].Nat.Mapping == MappingBehavior.EndpointIndependent)
                {
                    Assert.Equal(senderMapping, seen);
                }
            }
        }
    }

    [RootFact]
    public async Task Eim_ManySockets_GetDistinctStableMappings_AndSamePortOnTwoHostsDoesNotCollide()
    {
        await using var lab = await Lab.StartAsync(BuiltInScenarios.Load("eim-eif"));
        await using var observer = UdpObserver.Start(lab.Host("stun"));
        var alice = lab.Host("alice");
        var probes = Enumerable.Range(0, 40).Select(_ => new ProbeSocket(alice)).ToList();
        probes.Add(new ProbeSocket(lab.Host("bob"), probes[0].LocalEndPoint.Port));
        try
        {
            var mappings = new HashSet<IPEndPoint>();
            foreach (var probe in probes)
            {
                var first = await NatProbe.SendAndObserveAsync(probe, observer, observer.Endpoint(0, 0));
                var second = await NatProbe.SendAndObserveAsync(probe, observer, observer.Endpoint(1, 1));
                Assert.NotNull(first);
                Assert.Equal(first, second);
                Assert.True(first.Port >= 1024);
                Assert.True(mappings.Add(first), $"mapping {first} handed out twice");
            }
        }
        finally
        {
            foreach (var p in probes)
            {
                await p.DisposeAsync();
            }
        }
    }

    [RootFact]
    public async Task UdpBlocked_OnlyTcp443GetsOut()
    {
        await using var lab = await Lab.StartAsync(BuiltInScenarios.Load("udp-blocked"));
        var server = lab.Host("stun");
        var alice = lab.Host("alice");
        using var https = server.OpenTcpListener(new IPEndPoint(server.Address, 443));
        using var http = server.OpenTcpListener(new IPEndPoint(server.Address, 80));

        using (var ok = await alice.ConnectTcpAsync(new IPEndPoint(server.Address, 443)).WaitAsync(TimeSpan.FromSeconds(5)))
        {
            using var accepted = await https.AcceptAsync().WaitAsync(TimeSpan.FromSeconds(5));
            await ok.SendAsync("hello"u8.ToArray());
            var buf = new byte[5];
            Assert.Equal(5, await accepted.ReceiveAsync(buf));
            // The server sees the corporate router's address: TCP is masqueraded.
            Assert.Equal(lab.Router("corp").WanAddress, ((IPEndPoint)accepted.RemoteEndPoint!).Address);
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => alice.ConnectTcpAsync(new IPEndPoint(server.Address, 80), cts.Token));
    }

    [RootFact]
    public async Task SameLan_HostsReachEachOtherDirectly()
    {
        await using var lab = await Lab.StartAsync(BuiltInScenarios.Load("same-lan"));
        var alice = lab.Host("alice");
        var bob = lab.Host("bob");
        await using var rx = new ProbeSocket(bob, 4000);
        await using var tx = new ProbeSocket(alice, 4001);
        var token = NatProbe.NewToken("lan");
        await tx.SendAsync(new IPEndPoint(bob.Address, 4000), token);
        var seen = await rx.WaitForAsync(token, TimeSpan.FromSeconds(2));
        Assert.Equal(new IPEndPoint(alice.Address, 4001), seen);
    }

    [RootFact]
    public async Task Cgnat_HomeRouterWanIsInSharedAddressSpace_AndInternetSeesCarrierAddress()
    {
        await using var lab = await Lab.StartAsync(BuiltInScenarios.Load("cgnat"));
        var home = lab.Router("home");
        Assert.True(IPNetwork.Parse("100.64.0.0/10").Contains(home.WanAddress));
        await using var observer = UdpObserver.Start(lab.Host("stun"));
        await using var probe = new ProbeSocket(lab.Host("alice"));
        var mapped = await NatProbe.SendAndObserveAsync(probe, observer, observer.Endpoint(0, 0));
        Assert.Equal(lab.Router("cgn").WanAddress, mapped!.Address);

        // The carrier NAT sees the home router's WAN address, i.e. two translations happened.
        var conntrack = await lab.Router("cgn").ExecAsync("conntrack", "-L", "-p", "udp");
        Assert.Contains($"src={home.WanAddress}", conntrack.StandardOutput, StringComparison.Ordinal);
    }

    [RootFact]
    public async Task MappingTimeout_IdleMappingIsForgotten()
    {
        var scenario = new ScenarioBuilder("timeout")
            .Network("internet", "203.0.113.0/24")
            .Network("lan", "192.168.1.0/24")
            .Router("home", "internet", "lan", new NatSpec(MappingBehavior.EndpointIndependent, FilteringBehavior.EndpointIndependent, false, TimeSpan.FromSeconds(2)))
            .Host("stun", "internet", IPAddress.Parse("203.0.113.20"), IPAddress.Parse("203.0.113.21"))
            .Host("alice", "lan")
            .Build();
        await using var lab = await Lab.StartAsync(scenario);
        await using var observer = UdpObserver.Start(lab.Host("stun"));
        await using var probe = new ProbeSocket(lab.Host("alice"));
        var mapped = await NatProbe.SendAndObserveAsync(probe, observer, observer.Endpoint(0, 0));
        Assert.NotNull(mapped);
        Assert.True(await NatProbe.InboundArrivesAsync(probe, observer, observer.Endpoint(1, 1), mapped), "EIF mapping should accept anyone while fresh");

        await Task.Delay(TimeSpan.FromSeconds(3.5));
        Assert.False(await NatProbe.InboundArrivesAsync(probe, observer, observer.Endpoint(1, 1), mapped), "mapping should have expired after 2s idle");
        Assert.False(await NatProbe.InboundArrivesAsync(probe, observer, observer.Endpoint(0, 0), mapped), "even the original peer should be filtered after expiry");
    }

    [RootFact]
    public async Task Rebind_GivesTheHostANewMapping()
    {
        await using var lab = await Lab.StartAsync(BuiltInScenarios.Load("eim-apdf"));
        var alice = lab.Host("alice");
        await using var observer = UdpObserver.Start(lab.Host("stun"));
        await using var probe = new ProbeSocket(alice);
        var before = await NatProbe.SendAndObserveAsync(probe, observer, observer.Endpoint(0, 0));
        var again = await NatProbe.SendAndObserveAsync(probe, observer, observer.Endpoint(0, 0));
        Assert.Equal(before, again);

        await alice.RebindAsync();
        var after = await NatProbe.SendAndObserveAsync(probe, observer, observer.Endpoint(0, 0));
        Assert.NotNull(after);
        Assert.Equal(before!.Address, after.Address);
        Assert.NotEqual(before.Port, after.Port);
        // The old mapping is gone: the server's packets to it no longer arrive.
        Assert.False(await NatProbe.InboundArrivesAsync(probe, observer, observer.Endpoint(0, 0), before));
        Assert.True(await NatProbe.InboundArrivesAsync(probe, observer, observer.Endpoint(0, 0), after));
    }

    [RootFact]
    public async Task PublicHost_SeesItsOwnAddress()
    {
        await using var lab = await Lab.StartAsync(BuiltInScenarios.Load("public"));
        var alice = lab.Host("alice");
        Assert.Null(alice.Gateway);
        using var s = alice.OpenUdpSocket(new IPEndPoint(IPAddress.Any, 5555));
        await using var observer = UdpObserver.Start(lab.Host("stun"));
        await s.SendToAsync("x"u8.ToArray(), SocketFlags.None, observer.Endpoint(0, 0));
        Assert.Equal(new IPEndPoint(alice.Address, 5555), await observer.WaitForAsync("x", TimeSpan.FromSeconds(2)));
    }
}
