using Nexodus.Mesh.TestDoubles;

namespace Nexodus.Mesh.Node.Tests.WireGuard;

/// <summary>Real interop: `nexd tunnel` against wireguard-go in network namespaces.</summary>
[Collection("namespaces")]
public sealed class InteropTests
{
    private const long HundredMegabytes = 100L * 1000 * 1000;

    [RootFact]
    public async Task OursInitiates_PingAnd100MegabytesBothWays_ChecksumsMatch()
    {
        await using var lab = await InteropLab.StartAsync(weKnowEndpoint: true, theyKnowEndpoint: false);
        Assert.Equal(3, InteropLab.Ping(lab.A, lab.TheirTunnelIp));
        Assert.Equal(3, InteropLab.Ping(lab.B, lab.OurTunnelIp));
        var (sent, received) = await lab.TransferAsync(lab.A, lab.B, lab.TheirTunnelIp, HundredMegabytes);
        Assert.Equal(sent, received);
        (sent, received) = await lab.TransferAsync(lab.B, lab.A, lab.OurTunnelIp, HundredMegabytes);
        Assert.Equal(sent, received);
    }

    [RootFact]
    public async Task TheyInitiate_PingAnd100Megabytes_ChecksumsMatch()
    {
        await using var lab = await InteropLab.StartAsync(weKnowEndpoint: false, theyKnowEndpoint: true);
        Assert.Equal(3, InteropLab.Ping(lab.B, lab.OurTunnelIp));
        Assert.Equal(3, InteropLab.Ping(lab.A, lab.TheirTunnelIp));
        var (sent, received) = await lab.TransferAsync(lab.B, lab.A, lab.OurTunnelIp, HundredMegabytes);
        Assert.Equal(sent, received);
        var ours = InteropLab.PeerDump(lab.A, lab.OurInterface);
        Assert.Equal($"{lab.AddressB}:51820", ours!.Value.Endpoint); // learned from the authenticated initiation
    }

    [RootFact]
    public async Task WgShow_OnOurInterface_ReportsPeerEndpointHandshakeAndMatchingCounters()
    {
        await using var lab = await InteropLab.StartAsync(weKnowEndpoint: true, theyKnowEndpoint: true);
        Assert.Equal(5, InteropLab.Ping(lab.A, lab.TheirTunnelIp, 5));
        await Task.Delay(500);
        var ours = InteropLab.PeerDump(lab.A, lab.OurInterface)!.Value;
        var theirs = InteropLab.PeerDump(lab.B, lab.TheirInterface)!.Value;
        Assert.Equal(lab.TheirKey.PublicKey.ToString(), ours.PublicKey);
        Assert.Equal($"{lab.AddressB}:51820", ours.Endpoint);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        Assert.InRange(ours.LatestHandshake, now - 30, now + 1);
        Assert.Equal(theirs.Tx, ours.Rx); // every byte they sent, we received and counted, and vice versa
        Assert.Equal(theirs.Rx, ours.Tx);
        Assert.True(ours.Rx > 5 * 84);

        var show = InteropLab.Check(lab.A, "wg", "show", lab.OurInterface);
        Assert.Contains("latest handshake", show, StringComparison.Ordinal);
        Assert.Contains($"allowed ips: {lab.TheirTunnelIp}/32", show, StringComparison.Ordinal);
        var conf = InteropLab.Check(lab.A, "wg", "showconf", lab.OurInterface);
        Assert.Contains("ListenPort = 51821", conf, StringComparison.Ordinal);
        Assert.Contains($"PrivateKey = {lab.OurKey.ExportText()}", conf, StringComparison.Ordinal);
    }

    [RootFact]
    public async Task WgSetPeerRemove_TakesEffect_TrafficStops()
    {
        await using var lab = await InteropLab.StartAsync(weKnowEndpoint: true, theyKnowEndpoint: true);
        Assert.Equal(2, InteropLab.Ping(lab.A, lab.TheirTunnelIp, 2));
        InteropLab.Check(lab.A, "wg", "set", lab.OurInterface, "peer", lab.TheirKey.PublicKey.ToString(), "remove");
        Assert.Null(InteropLab.PeerDump(lab.A, lab.OurInterface));
        Assert.Equal(0, InteropLab.Ping(lab.A, lab.TheirTunnelIp, 2));

        // And `wg set` can add it back.
        InteropLab.Check(lab.A, "wg", "set", lab.OurInterface, "peer", lab.TheirKey.PublicKey.ToString(), "allowed-ips", lab.TheirTunnelIp + "/32", "endpoint", lab.AddressB + ":51820");
        Assert.Equal(2, InteropLab.Ping(lab.A, lab.TheirTunnelIp, 2));
    }

    [RootFact]
    public async Task Roaming_OurAddressAndPortChange_TrafficKeepsFlowing()
    {
        await using var lab = await InteropLab.StartAsync(weKnowEndpoint: true, theyKnowEndpoint: true);
        Assert.Equal(2, InteropLab.Ping(lab.A, lab.TheirTunnelIp, 2));

        // New source address: the old one disappears from our side.
        var newAddress = "203.0.113.61";
        // Without promotion, deleting the primary address would take the new secondary with it.
        InteropLab.Check(lab.A, "sysctl", "-qw", $"net.ipv4.conf.{lab.OurDevice}.promote_secondaries=1");
        InteropLab.Check(lab.A, "ip", "addr", "add", newAddress + "/24", "dev", lab.OurDevice);
        InteropLab.Check(lab.A, "ip", "addr", "del", lab.AddressA + "/24", "dev", lab.OurDevice);
        Assert.Equal(3, InteropLab.Ping(lab.A, lab.TheirTunnelIp, 3));
        Assert.Equal($"{newAddress}:51821", InteropLab.PeerDump(lab.B, lab.TheirInterface)!.Value.Endpoint);
        Assert.Equal(3, InteropLab.Ping(lab.B, lab.OurTunnelIp, 3));

        // New source port.
        InteropLab.Check(lab.A, "wg", "set", lab.OurInterface, "listen-port", "52999");
        Assert.Equal(3, InteropLab.Ping(lab.A, lab.TheirTunnelIp, 3));
        Assert.Equal($"{newAddress}:52999", InteropLab.PeerDump(lab.B, lab.TheirInterface)!.Value.Endpoint);
        Assert.Equal(3, InteropLab.Ping(lab.B, lab.OurTunnelIp, 3));
    }

    [RootFact]
    public async Task Nexd_CleanShutdown_RemovesInterfaceAndSocket()
    {
        await using var lab = await InteropLab.StartAsync(weKnowEndpoint: true, theyKnowEndpoint: true);
        Assert.Equal(0, InteropLab.Exec(lab.A, "ip", "link", "show", lab.OurInterface).ExitCode);
        var code = await lab.Nexd!.StopAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, code);
        Assert.False(File.Exists($"/var/run/wireguard/{lab.OurInterface}.sock"));
        Assert.NotEqual(0, InteropLab.Exec(lab.A, "ip", "link", "show", lab.OurInterface).ExitCode);
    }

    [RootFact]
    public async Task Roaming_OurNatRebinds_WireGuardGoFollowsNewPublicPort()
    {
        await using var lab = await InteropLab.StartAsync(weKnowEndpoint: true, theyKnowEndpoint: false, scenario: "eim-apdf");
        Assert.Equal(3, InteropLab.Ping(lab.A, lab.TheirTunnelIp, 3));
        var before = InteropLab.PeerDump(lab.B, lab.TheirInterface)!.Value.Endpoint;
        Assert.StartsWith("203.0.113.10:", before, StringComparison.Ordinal); // our NAT's public address
        await lab.Ours.RebindAsync(); // the NAT forgets us and maps our socket to a new public port
        Assert.Equal(3, InteropLab.Ping(lab.A, lab.TheirTunnelIp, 3));
        var after = InteropLab.PeerDump(lab.B, lab.TheirInterface)!.Value.Endpoint;
        Assert.NotEqual(before, after);
        Assert.Equal(3, InteropLab.Ping(lab.B, lab.OurTunnelIp, 3)); // and their traffic reaches the new mapping
    }

    /// <summary>~130 s: crosses the 120 s rekey with pings every 100 ms; no gap over 1 s, and a new handshake happened.</summary>
    [RootFact]
    public async Task Rekey_After120Seconds_TrafficFlowsWithoutStall()
    {
        await using var lab = await InteropLab.StartAsync(weKnowEndpoint: true, theyKnowEndpoint: true);
        Assert.Equal(1, InteropLab.Ping(lab.A, lab.TheirTunnelIp, 1));
        var first = InteropLab.PeerDump(lab.A, lab.OurInterface)!.Value.LatestHandshake;
        var (_, output) = InteropLab.Exec(lab.A, TimeSpan.FromSeconds(240), "busybox", "ping", "-c", "1300", "-i", "0.1", "-W", "1", lab.TheirTunnelIp);
        var seqs = System.Text.RegularExpressions.Regex.Matches(output, @"seq=(\d+)").Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).Order().ToArray();
        Assert.True(seqs.Length > 1250, $"only {seqs.Length} of 1300 replies");
        var maxGap = 0;
        for (var i = 1; i < seqs.Length; i++)
        {
            maxGap = Math.Max(maxGap, seqs[i] - seqs[i - 1] - 1);
        }

        Assert.True(maxGap < 10, $"{maxGap} consecutive pings lost (over 1 s)");
        var last = InteropLab.PeerDump(lab.A, lab.OurInterface)!.Value.LatestHandshake;
        Assert.True(last >= first + 110, $"no rekey: handshakes at {first} and {last}");
    }
}
