using System.Globalization;
using Nexodus.Mesh.TestDoubles;
using Xunit.Abstractions;

namespace Nexodus.Mesh.EndToEnd.Tests;

/// <summary>
/// Issue #6's timings, each on nodes of its own (own VPC, own lab hosts) so no test depends on another: first packet
/// via the relay, time to direct, fallback when the direct path is cut, recovery after the NAT mapping changes.
/// </summary>
[Collection(MeshCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PathTimingTests(MeshLab mesh, ReportSink report, ITestOutputHelper output) : IClassFixture<ReportSink>
{
    [RootFact]
    public async Task Up_BothNodesRunning_FirstPacketViaRelayUnder1s_DirectUnder2s()
    {
        var (_, key) = await mesh.Control.CreateVpcAndKeyAsync();
        // tima/timb: symmetric NATs on both sides, relay only. timc (eim-apdf) and timd (public): direct possible.
        await using var a = NexdNode.Start(mesh.Lab.Host("tima"), mesh.Control.Url, key);
        await using var b = NexdNode.Start(mesh.Lab.Host("timb"), mesh.Control.Url, key);
        await using var c = NexdNode.Start(mesh.Lab.Host("timc"), mesh.Control.Url, key);
        await using var d = NexdNode.Start(mesh.Lab.Host("timd"), mesh.Control.Url, key);
        var up = await Task.WhenAll(a.WaitRunningAsync(), b.WaitRunningAsync(), c.WaitRunningAsync(), d.WaitRunningAsync());

        var relayUp = up[0] > up[1] ? up[0] : up[1];
        var first = await TunnelProbe.FirstEchoAsync(a.Host, b.Host, b.TunnelIp!, TimeSpan.FromSeconds(10));
        Assert.NotNull(first);
        var firstPacket = DateTimeOffset.UtcNow - relayUp;
        Assert.NotNull(await TunnelProbe.FirstPingAsync(a.Host, b.TunnelIp!, TimeSpan.FromSeconds(5)));

        // Breakdown: how much of it was the relay sessions' own start (TCP + TLS + admission after the netmap).
        var onRelay = Later(a.FirstAt(l => l.StartsWith("nexd: peer timb path relay", StringComparison.Ordinal)), b.FirstAt(l => l.StartsWith("nexd: peer tima path relay", StringComparison.Ordinal)));
        var directUp = up[2] > up[3] ? up[2] : up[3];
        var direct = await c.WaitPathAsync("timd", "direct", TimeSpan.FromSeconds(20));
        var toDirect = direct - directUp;
        report.Print(output, string.Create(CultureInfo.InvariantCulture,
            $"first packet via relay (apdm-apdf x apdm-apdf): {firstPacket.TotalMilliseconds:0} ms after both Running (both on the relay after {(onRelay - relayUp)?.TotalMilliseconds:0} ms); direct (eim-apdf x public): {toDirect.TotalMilliseconds:0} ms after both Running"));
        Assert.StartsWith("relay", a.PathTo("timb"));
        Assert.True(firstPacket < TimeSpan.FromSeconds(1), $"first packet via relay took {firstPacket.TotalMilliseconds:0} ms\n{a.Process.Output}");
        Assert.True(toDirect < TimeSpan.FromSeconds(2), $"direct took {toDirect.TotalMilliseconds:0} ms\n{c.Process.Output}");
    }

    private static DateTimeOffset? Later(DateTimeOffset? x, DateTimeOffset? y) => x is null || y is null ? null : x > y ? x : y;

    [RootFact]
    public async Task DirectPathCut_NftablesDropsUdp_TrafficContinuesViaRelayWithin3s()
    {
        var (_, key) = await mesh.Control.CreateVpcAndKeyAsync();
        await using var a = NexdNode.Start(mesh.Lab.Host("cuta"), mesh.Control.Url, key);
        await using var b = NexdNode.Start(mesh.Lab.Host("cutb"), mesh.Control.Url, key);
        await Task.WhenAll(a.WaitRunningAsync(), b.WaitRunningAsync());
        await a.WaitPathAsync("cutb", "direct", TimeSpan.FromSeconds(20));
        await b.WaitPathAsync("cuta", "direct", TimeSpan.FromSeconds(20));
        await using var ping = PingRecorder.Start(a.Host, b.TunnelIp!);
        Assert.NotNull(await ping.WaitReplyAfterAsync(DateTimeOffset.UtcNow, TimeSpan.FromSeconds(5)));

        // Every UDP datagram to or from cutb is dropped: the direct path (and STUN) die, the relay (TCP 443) lives.
        var cutAt = DateTimeOffset.UtcNow;
        await using (await b.Host.BlockAsync("meta l4proto udp"))
        {
            // A reply already in flight may still land; anything 200 ms after the cut came through the relay.
            var resumed = await ping.WaitReplyAfterAsync(cutAt + TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10));
            Assert.NotNull(resumed);
            var gap = resumed!.Value - cutAt;
            var relayAt = await a.WaitPathAsync("cutb", "relay", TimeSpan.FromSeconds(5), cutAt);
            report.Print(output, string.Create(CultureInfo.InvariantCulture,
                $"direct path cut: traffic resumed via relay {gap.TotalMilliseconds:0} ms after the cut (path relay printed after {(relayAt - cutAt).TotalMilliseconds:0} ms)"));
            Assert.True(gap < TimeSpan.FromSeconds(3), $"traffic resumed {gap.TotalMilliseconds:0} ms after the cut\n{a.Process.Output}");
        }

        // The block is gone: the path goes direct again (re-probing), and traffic keeps flowing.
        var healedAt = DateTimeOffset.UtcNow;
        await a.WaitPathAsync("cutb", "direct", TimeSpan.FromSeconds(40), healedAt);
        Assert.NotNull(await ping.WaitReplyAfterAsync(DateTimeOffset.UtcNow, TimeSpan.FromSeconds(3)));
    }

    [RootFact]
    public async Task Roaming_NatMappingChanges_TrafficRecoversWithin3s()
    {
        var (_, key) = await mesh.Control.CreateVpcAndKeyAsync();
        await using var a = NexdNode.Start(mesh.Lab.Host("roama"), mesh.Control.Url, key);
        await using var b = NexdNode.Start(mesh.Lab.Host("roamb"), mesh.Control.Url, key);
        await Task.WhenAll(a.WaitRunningAsync(), b.WaitRunningAsync());
        await a.WaitPathAsync("roamb", "direct", TimeSpan.FromSeconds(20));
        await using var ping = PingRecorder.Start(a.Host, b.TunnelIp!);
        Assert.NotNull(await ping.WaitReplyAfterAsync(DateTimeOffset.UtcNow, TimeSpan.FromSeconds(5)));
        var before = await mesh.Lab.Router("rroama").DescribeNatStateAsync();

        // New NAT keys and a conntrack flush: roama's public port changes, as after a router reboot or roaming.
        var rebindAt = DateTimeOffset.UtcNow;
        await a.Host.RebindAsync();
        var resumed = await ping.WaitReplyAfterAsync(rebindAt + TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(15));
        Assert.NotNull(resumed);
        var gap = resumed!.Value - rebindAt;
        var after = await mesh.Lab.Router("rroama").DescribeNatStateAsync();
        report.Print(output, string.Create(CultureInfo.InvariantCulture,
            $"NAT rebind: traffic recovered {gap.TotalMilliseconds:0} ms after the mapping changed; longest gap {ping.LongestGap(rebindAt, DateTimeOffset.UtcNow).TotalMilliseconds:0} ms; path now '{a.PathTo("roamb")}'"));
        Assert.NotEqual(before, after);
        Assert.True(gap < TimeSpan.FromSeconds(3), $"traffic recovered {gap.TotalMilliseconds:0} ms after the rebind\n{a.Process.Output}\n----\n{b.Process.Output}");
    }
}
