using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.TestDoubles;

namespace Nexodus.Mesh.Node.Tests.WireGuard;

/// <summary>Stock `wg setconf` against our interface, and the TUN path without kernel offloads.</summary>
[Collection("namespaces")]
public sealed class InteropConfigTests
{
    [RootFact]
    public async Task WgSetconf_ReplacesConfiguration_NewPortUsedAndRemovedPeerStops()
    {
        await using var lab = await InteropLab.StartAsync(weKnowEndpoint: true, theyKnowEndpoint: false);
        Assert.Equal(2, InteropLab.Ping(lab.A, lab.TheirTunnelIp, 2));
        var dir = Directory.CreateTempSubdirectory("wgsetconf").FullName;
        try
        {
            // wg's own format (no Address/MTU): a new listen port, the same peer, and a second peer.
            var other = PrivateKey.Generate().PublicKey;
            var conf = Path.Combine(dir, "a.conf");
            await File.WriteAllTextAsync(conf, $"""
                [Interface]
                PrivateKey = {lab.OurKey.ExportText()}
                ListenPort = 51822

                [Peer]
                PublicKey = {lab.TheirKey.PublicKey}
                AllowedIPs = {lab.TheirTunnelIp}/32
                Endpoint = {lab.AddressB}:51820

                [Peer]
                PublicKey = {other}
                AllowedIPs = 10.77.9.0/24
                """);
            InteropLab.Check(lab.A, "wg", "setconf", lab.OurInterface, conf);
            var shown = InteropLab.Check(lab.A, "wg", "showconf", lab.OurInterface);
            Assert.Contains("ListenPort = 51822", shown, StringComparison.Ordinal);
            Assert.Contains($"PublicKey = {other}", shown, StringComparison.Ordinal);
            Assert.Contains("AllowedIPs = 10.77.9.0/24", shown, StringComparison.Ordinal);
            Assert.Equal(3, InteropLab.Ping(lab.A, lab.TheirTunnelIp, 3));
            Assert.Equal($"{lab.AddressA}:51822", InteropLab.PeerDump(lab.B, lab.TheirInterface)!.Value.Endpoint); // they followed our new port

            // setconf replaces, it does not merge: a file without the peer removes it.
            await File.WriteAllTextAsync(conf, $"""
                [Interface]
                PrivateKey = {lab.OurKey.ExportText()}
                ListenPort = 51822

                [Peer]
                PublicKey = {other}
                AllowedIPs = 10.77.9.0/24
                """);
            InteropLab.Check(lab.A, "wg", "setconf", lab.OurInterface, conf);
            var dump = InteropLab.Check(lab.A, "wg", "show", lab.OurInterface, "dump");
            Assert.DoesNotContain(lab.TheirKey.PublicKey.ToString(), dump, StringComparison.Ordinal);
            Assert.Contains(other.ToString(), dump, StringComparison.Ordinal);
            Assert.Equal(0, InteropLab.Ping(lab.A, lab.TheirTunnelIp, 2));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [RootFact]
    public async Task TunWithoutOffloads_PingAnd20MegabytesBothWays_ChecksumsMatch()
    {
        // NEXD_TUN_OFFLOAD=off takes the path a kernel refusing IFF_VNET_HDR/TUNSETOFFLOAD leads to.
        await using var lab = await InteropLab.StartAsync(weKnowEndpoint: true, theyKnowEndpoint: true, nexdEnvironment: new Dictionary<string, string> { ["NEXD_TUN_OFFLOAD"] = "off" });
        Assert.Equal(3, InteropLab.Ping(lab.A, lab.TheirTunnelIp));
        var (sent, received) = await lab.TransferAsync(lab.A, lab.B, lab.TheirTunnelIp, 20_000_000);
        Assert.Equal(sent, received);
        (sent, received) = await lab.TransferAsync(lab.B, lab.A, lab.OurTunnelIp, 20_000_000);
        Assert.Equal(sent, received);
    }
}
