using System.Globalization;
using System.Text;
using Nexodus.Mesh.Netsim.Scenarios;

namespace Nexodus.Mesh.Netsim;

/// <summary>
/// The nftables ruleset that makes a router namespace behave like a NAT with the RFC 4787 behaviour asked for.
/// Linux conntrack alone gives one combination (port-preserving mapping, address-and-port-dependent filtering);
/// the others are built explicitly:
/// <list type="bullet">
/// <item>Mapping: the external UDP port is chosen by the rule, not by chance. EIM: for each LAN node the router
/// knows, the internal port XOR a per-node key below 1024 (a bijection, so one host's sockets never collide and
/// ports at or above 1024 stay there); other sources get a hash of (address, port). ADM: a hash of (internal address,
/// internal port, destination address). APDM: <c>snat ... random</c>, a fresh random port per conntrack entry
/// (i.e. per destination address:port). New keys and seed let <see cref="LabRouter.RebindAsync"/> move every
/// mapping, as a real NAT reboot or a roaming client would.</item>
/// <item>Mapping table: after source NAT, a postrouting chain records external port → internal address:port in the
/// dynamic map <c>mappings</c> (refreshed by outbound packets, expiring after the mapping timeout).</item>
/// <item>Filtering: replies of a flow always pass (conntrack), which already is APDF. For ADF the chain also records
/// (external port, remote address) in the dynamic set <c>peers</c>, and an unsolicited inbound packet whose pair is in
/// the set is DNATed to the internal endpoint from <c>mappings</c>. For EIF any inbound packet to a port in
/// <c>mappings</c> is DNATed.</item>
/// <item>Everything else arriving on the WAN is dropped in <c>input</c> (silently, as a NAT does); dropping it before
/// conntrack confirms the entry also keeps a stray probe from occupying a tuple a later outbound flow needs.</item>
/// <item>Hairpin: a LAN packet to the router's WAN address and a mapped port is DNATed to the mapping's owner and
/// source-NATed to the sender's own mapping, so the receiver sees the sender's public endpoint. Hairpinned packets
/// are not filtered. Without hairpin such packets are dropped.</item>
/// <item>Mapping timeout: the per-namespace conntrack UDP timeouts and the set/map timeouts are both set to it.</item>
/// </list>
/// </summary>
internal static class RouterRuleset
{
    public const string Table = "netsim";
    public const string WanInterface = "wan";
    public const string LanInterface = "lan";

    /// <summary>External ports chosen by the hash: 1024-65535 (wide, to make hash collisions rare).</summary>
    private const int PortBase = 1024;
    private const int PortCount = 65536 - PortBase;

    /// <param name="router">The router.</param>
    /// <param name="seed">Seed of the port hashes.</param>
    /// <param name="portKeys">EIM only: LAN source address → XOR key (1..1023) for its ports.</param>
    public static string Build(RouterSpec router, uint seed, IReadOnlyDictionary<System.Net.IPAddress, int> portKeys)
    {
        var nat = router.Nat;
        var wan = router.WanAddress.ToString();
        var timeout = ((int)nat.MappingTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        var seedText = "0x" + seed.ToString("x8", CultureInfo.InvariantCulture);
        var snatUdp = nat.Mapping switch
        {
            MappingBehavior.AddressDependent =>
                $"snat ip to {wan} : jhash ip saddr . udp sport . ip daddr mod {PortCount} seed {seedText} offset {PortBase}",
            MappingBehavior.AddressAndPortDependent => $"snat ip to {wan} random",
            _ => $"snat ip to {wan} : jhash ip saddr . udp sport mod {PortCount} seed {seedText} offset {PortBase}",
        };

        var sb = new StringBuilder();
        // Declaring then deleting makes the file replace any previous version of the table atomically.
        sb.Append(CultureInfo.InvariantCulture, $"table ip {Table} {{}}\ndelete table ip {Table}\n");
        sb.Append(CultureInfo.InvariantCulture, $"table ip {Table} {{\n");
        sb.Append(CultureInfo.InvariantCulture, $"  map mappings {{ type inet_service : ipv4_addr . inet_service; flags dynamic,timeout; timeout {timeout}s; }}\n");
        sb.Append(CultureInfo.InvariantCulture, $"  set peers {{ type inet_service . ipv4_addr; flags dynamic,timeout; timeout {timeout}s; }}\n");

        sb.Append("  chain prerouting {\n    type nat hook prerouting priority dstnat; policy accept;\n");
        switch (nat.Filtering)
        {
            case FilteringBehavior.EndpointIndependent:
                sb.Append("    iifname \"wan\" udp dport @mappings dnat ip to udp dport map @mappings\n");
                break;
            case FilteringBehavior.AddressDependent:
                sb.Append("    iifname \"wan\" udp dport . ip saddr @peers dnat ip to udp dport map @mappings\n");
                break;
        }

        if (nat.Hairpin)
        {
            sb.Append(CultureInfo.InvariantCulture, $"    iifname \"lan\" ip daddr {wan} udp dport @mappings dnat ip to udp dport map @mappings\n");
        }

        sb.Append("  }\n");

        sb.Append("  chain postrouting {\n    type nat hook postrouting priority srcnat; policy accept;\n");
        if (nat.Mapping == MappingBehavior.EndpointIndependent)
        {
            foreach (var (source, key) in portKeys)
            {
                sb.Append(CultureInfo.InvariantCulture, $"    oifname \"wan\" ip saddr {source} meta l4proto udp snat ip to {wan} : udp sport ^ {key}\n");
            }
        }

        sb.Append(CultureInfo.InvariantCulture, $"    oifname \"wan\" meta l4proto udp {snatUdp}\n");
        sb.Append("    oifname \"wan\" meta l4proto != udp masquerade\n");
        if (nat.Hairpin)
        {
            if (nat.Mapping == MappingBehavior.EndpointIndependent)
            {
                foreach (var (source, key) in portKeys)
                {
                    sb.Append(CultureInfo.InvariantCulture, $"    iifname \"lan\" oifname \"lan\" ct status dnat ip saddr {source} meta l4proto udp snat ip to {wan} : udp sport ^ {key}\n");
                }
            }

            sb.Append(CultureInfo.InvariantCulture, $"    iifname \"lan\" oifname \"lan\" ct status dnat meta l4proto udp {snatUdp}\n");
        }

        sb.Append("  }\n");

        // Runs after source NAT (priority 200 > srcnat 100), so udp sport is the external port.
        sb.Append("  chain track {\n    type filter hook postrouting priority 200; policy accept;\n");
        sb.Append("    oifname \"wan\" meta l4proto udp ct direction original update @mappings { udp sport : ct original ip saddr . ct original proto-src }\n");
        sb.Append("    oifname \"wan\" meta l4proto udp ct direction reply update @mappings { udp sport : ct reply ip saddr . ct reply proto-src }\n");
        if (nat.Filtering == FilteringBehavior.AddressDependent)
        {
            sb.Append("    oifname \"wan\" meta l4proto udp update @peers { udp sport . ip daddr }\n");
        }

        if (nat.Hairpin)
        {
            sb.Append("    oifname \"lan\" meta l4proto udp ct status snat ct direction original update @mappings { udp sport : ct original ip saddr . ct original proto-src }\n");
        }

        sb.Append("  }\n");

        sb.Append("  chain input {\n    type filter hook input priority filter; policy accept;\n");
        sb.Append("    iifname \"wan\" ct state established,related accept\n");
        sb.Append("    iifname \"wan\" drop\n");
        sb.Append(CultureInfo.InvariantCulture, $"    iifname \"lan\" ip daddr {wan} drop\n");
        sb.Append("  }\n");

        sb.Append("  chain forward {\n    type filter hook forward priority filter; policy accept;\n");
        if (router.Firewall == FirewallMode.UdpBlocked)
        {
            sb.Append("    iifname \"lan\" oifname \"wan\" ct state established,related accept\n");
            sb.Append("    iifname \"lan\" oifname \"wan\" tcp dport 443 accept\n");
            sb.Append("    iifname \"lan\" oifname \"wan\" drop\n");
        }

        sb.Append("  }\n}\n");
        return sb.ToString();
    }
}
