using Microsoft.Extensions.Time.Testing;
using Nexodus.Mesh.Core.Contracts;
using Nexodus.Mesh.Node.Filter;
using Nexodus.Mesh.TestDoubles.WireGuard;
using static Nexodus.Mesh.Node.Tests.Filter.Rules;
using P = Nexodus.Mesh.TestDoubles.WireGuard.IpPacketBuilder;

namespace Nexodus.Mesh.Node.Tests.Filter;

/// <summary>Rules × first packets of flows (no state involved): what each compiled rule admits, and what it does not.</summary>
public sealed class FilterRuleSetTests
{
    // We are 10.9.0.2 / fd09::2.
    private static readonly PacketFilter Mixed = Policy(
        [
            Rule("tcp", 22, 22, "10.9.0.1/32", "fd09::1/128"),
            Rule("udp", 5000, 5010, "10.9.0.0/24"),
            Rule("icmp", "10.9.0.0/16", "fd09::/64"),
            Rule("any", "10.77.0.0/16"),
            Rule("icmpv6", "fd77::/16"),
        ],
        [
            Rule("tcp", 443, 443, "0.0.0.0/0"),
            Rule("udp", 53, 53, "::/0"),
            Rule("tcp", 8000, 8999, "192.0.2.0/25"),
        ]);

    public static TheoryData<string, byte[], bool, bool> Cases() => new()
    {
        // name, packet, inbound?, admitted
        { "tcp 22 from the allowed host", P.Tcp("10.9.0.1", "10.9.0.2", 40000, 22), true, true },
        { "tcp 80 from the allowed host", P.Tcp("10.9.0.1", "10.9.0.2", 40000, 80), true, false },
        { "tcp 23 (range is 22-22)", P.Tcp("10.9.0.1", "10.9.0.2", 40000, 23), true, false },
        { "tcp 22 from another host", P.Tcp("10.9.0.3", "10.9.0.2", 40000, 22), true, false },
        { "source port 22 is not destination port 22", P.Tcp("10.9.0.1", "10.9.0.2", 22, 40000), true, false },
        { "udp 5000 (range start)", P.Udp("10.9.0.5", "10.9.0.2", 1, 5000), true, true },
        { "udp 5010 (range end)", P.Udp("10.9.0.5", "10.9.0.2", 1, 5010), true, true },
        { "udp 5011 (past range)", P.Udp("10.9.0.5", "10.9.0.2", 1, 5011), true, false },
        { "udp 4999 (before range)", P.Udp("10.9.0.5", "10.9.0.2", 1, 4999), true, false },
        { "tcp to a udp range", P.Tcp("10.9.0.5", "10.9.0.2", 1, 5000), true, false },
        { "udp from outside the /24", P.Udp("10.9.1.5", "10.9.0.2", 1, 5000), true, false },
        { "echo from inside the /16", P.Echo("10.9.3.3", "10.9.0.2", 7), true, true },
        { "echo from outside the /16", P.Echo("10.10.0.1", "10.9.0.2", 7), true, false },
        { "v6 tcp 22 from the allowed host", P.Tcp("fd09::1", "fd09::2", 40000, 22), true, true },
        { "v6 tcp 22 from another host", P.Tcp("fd09::3", "fd09::2", 40000, 22), true, false },
        { "v6 echo: icmp covers ICMPv6 for v6 prefixes", P.Echo("fd09::5", "fd09::2", 7), true, true },
        { "v6 udp 5000: the udp rule is IPv4 only", P.Udp("fd09::1", "fd09::2", 1, 5000), true, false },
        { "any: GRE from 10.77/16", P.Raw("10.77.1.1", "10.9.0.2", 47), true, true },
        { "any: tcp 80 from 10.77/16", P.Tcp("10.77.1.1", "10.9.0.2", 1, 80), true, true },
        { "icmpv6 rule: v6 echo from fd77::/16", P.Echo("fd77::1", "fd09::2", 7), true, true },
        { "icmpv6 rule does not admit tcp", P.Tcp("fd77::1", "fd09::2", 1, 22), true, false },
        { "outbound rule does not admit inbound", P.Tcp("192.0.2.1", "10.9.0.2", 1, 443), true, false },
        { "outbound tcp 443 anywhere", P.Tcp("10.9.0.2", "198.51.100.7", 40000, 443), false, true },
        { "outbound tcp 80", P.Tcp("10.9.0.2", "198.51.100.7", 40000, 80), false, false },
        { "outbound v6 udp 53", P.Udp("fd09::2", "2001:db8::53", 40000, 53), false, true },
        { "outbound v4 udp 53: the rule is ::/0", P.Udp("10.9.0.2", "198.51.100.53", 40000, 53), false, false },
        { "outbound tcp 8500 into 192.0.2.0/25", P.Tcp("10.9.0.2", "192.0.2.100", 40000, 8500), false, true },
        { "outbound tcp 8500 to 192.0.2.200 (outside /25)", P.Tcp("10.9.0.2", "192.0.2.200", 40000, 8500), false, false },
        { "outbound echo", P.Echo("10.9.0.2", "198.51.100.7", 7), false, false },
        { "inbound rule does not admit outbound", P.Tcp("10.9.0.2", "10.9.0.1", 40000, 22), false, false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Check_MixedRules_FirstPacketVerdict(string name, byte[] packet, bool inbound, bool admitted)
    {
        var firewall = new Firewall(new FakeTimeProvider());
        Assert.Empty(firewall.SetFilter(Mixed));
        var direction = inbound ? FilterDirection.Inbound : FilterDirection.Outbound;
        Assert.True(admitted == firewall.Check(direction, packet), name);
        Assert.Equal(admitted ? 0 : 1, firewall.Counters.For(direction).NotAllowed);
    }

    public static TheoryData<byte[]> AnyPackets() => new()
    {
        P.Tcp("10.9.0.1", "10.9.0.2", 1, 22),
        P.Udp("fd09::1", "fd09::2", 1, 53),
        P.Echo("10.9.0.1", "10.9.0.2", 1),
        P.Raw("10.9.0.1", "10.9.0.2", 47),
    };

    [Theory]
    [MemberData(nameof(AnyPackets))]
    public void Check_EmptyRuleLists_DenyAllBothWays(byte[] packet)
    {
        var firewall = new Firewall(new FakeTimeProvider());
        firewall.SetFilter(new PacketFilter());
        Assert.False(firewall.Check(FilterDirection.Inbound, packet));
        Assert.False(firewall.Check(FilterDirection.Outbound, packet));
        Assert.Equal(1, firewall.Counters.Inbound.NotAllowed);
        Assert.Equal(1, firewall.Counters.Outbound.NotAllowed);
    }

    [Theory]
    [MemberData(nameof(AnyPackets))]
    public void Check_NoFilterSet_AllowsEverything(byte[] packet)
    {
        var firewall = new Firewall(new FakeTimeProvider());
        Assert.True(firewall.Check(FilterDirection.Inbound, packet));
        Assert.True(firewall.Check(FilterDirection.Outbound, packet));
        Assert.True(firewall.Check(FilterDirection.Inbound, [0x45, 1, 2]));
        Assert.Equal(0, firewall.FlowCount);
    }

    [Fact]
    public void Check_FilterClearedToNull_AllowsEverythingAgain()
    {
        var firewall = new Firewall(new FakeTimeProvider());
        firewall.SetFilter(new PacketFilter());
        Assert.False(firewall.Check(FilterDirection.Inbound, P.Tcp("10.9.0.1", "10.9.0.2", 1, 80)));
        firewall.SetFilter(null);
        Assert.True(firewall.Check(FilterDirection.Inbound, P.Tcp("10.9.0.1", "10.9.0.2", 1, 80)));
    }

    [Fact]
    public void Check_DefaultSecurityGroup_InboundFromVpcOutboundAnywhere()
    {
        // What control compiles for a VPC's "default" group (VpcsApi): any from the VPC's CIDRs in, any out.
        var firewall = new Firewall(new FakeTimeProvider());
        firewall.SetFilter(Policy([Rule("any", "100.64.0.0/10", "fd00:1:2:3::/64")], [Rule("any", "0.0.0.0/0", "::/0")]));
        Assert.True(firewall.Check(FilterDirection.Inbound, P.Tcp("100.64.0.9", "100.64.0.2", 1, 80)));
        Assert.True(firewall.Check(FilterDirection.Inbound, P.Echo("fd00:1:2:3::9", "fd00:1:2:3::2", 1)));
        Assert.False(firewall.Check(FilterDirection.Inbound, P.Tcp("192.0.2.1", "100.64.0.2", 1, 80)));
        Assert.True(firewall.Check(FilterDirection.Outbound, P.Udp("100.64.0.2", "198.51.100.1", 1, 9)));
    }

    public static TheoryData<FilterRule, string> BadRules() => new()
    {
        { Rule("sctp", "10.0.0.0/8"), "unknown protocol" },
        { Rule("tcp", 90, 80, "10.0.0.0/8"), "bad port range" },
        { Rule("tcp", -1, 80, "10.0.0.0/8"), "bad port range" },
        { Rule("tcp", 1, 70000, "10.0.0.0/8"), "bad port range" },
        { Rule("any", "10.0.0.0/33"), "bad prefix" },
        { Rule("any", "not-an-address"), "bad prefix" },
        { Rule("any", "fe80::1%eth0/128"), "bad prefix" },
    };

    [Theory]
    [MemberData(nameof(BadRules))]
    public void SetFilter_RuleItCannotEnforce_LeftOutWithWarning(FilterRule bad, string warning)
    {
        var firewall = new Firewall(new FakeTimeProvider());
        var warnings = firewall.SetFilter(Policy([bad], []));
        Assert.Contains(warnings, w => w.Contains(warning, StringComparison.Ordinal) && w.StartsWith("inbound[0]", StringComparison.Ordinal));
        // Left out = fail closed: nothing from 10/8 passes.
        Assert.False(firewall.Check(FilterDirection.Inbound, P.Tcp("10.1.1.1", "10.9.0.2", 1, 80)));
    }

    [Theory]
    [InlineData("10.1.2.3/8", "10.200.0.1", true)]
    [InlineData("10.1.2.3/8", "11.0.0.1", false)]
    [InlineData("10.1.2.3", "10.1.2.3", true)]
    [InlineData("10.1.2.3", "10.1.2.4", false)]
    [InlineData("0.0.0.0/0", "203.0.113.9", true)]
    [InlineData("fd00::1/8", "fdff::9", true)]
    [InlineData("fd00::1/8", "fe00::9", false)]
    [InlineData("2001:db8::/127", "2001:db8::1", true)]
    [InlineData("2001:db8::/127", "2001:db8::2", false)]
    public void Check_PrefixWithHostBitsOrBareAddress_MatchesLikeCanonical(string prefix, string source, bool admitted)
    {
        var firewall = new Firewall(new FakeTimeProvider());
        Assert.Empty(firewall.SetFilter(Policy([Rule("any", prefix)], [])));
        var destination = source.Contains(':', StringComparison.Ordinal) ? "fd09::2" : "10.9.0.2";
        Assert.Equal(admitted, firewall.Check(FilterDirection.Inbound, P.Udp(source, destination, 1, 2)));
    }

    [Fact]
    public void Check_NestedPrefixesWithDifferentPorts_EachCoveringPrefixConsidered()
    {
        var firewall = new Firewall(new FakeTimeProvider());
        firewall.SetFilter(Policy([Rule("tcp", 22, 22, "10.0.0.0/8"), Rule("tcp", 80, 80, "10.9.0.0/16"), Rule("tcp", 443, 443, "10.9.0.1/32")], []));
        Assert.True(firewall.Check(FilterDirection.Inbound, P.Tcp("10.9.0.1", "10.9.0.2", 1, 22)));
        Assert.True(firewall.Check(FilterDirection.Inbound, P.Tcp("10.9.0.1", "10.9.0.2", 1, 80)));
        Assert.True(firewall.Check(FilterDirection.Inbound, P.Tcp("10.9.0.1", "10.9.0.2", 1, 443)));
        Assert.False(firewall.Check(FilterDirection.Inbound, P.Tcp("10.9.0.3", "10.9.0.2", 1, 443)));
        Assert.True(firewall.Check(FilterDirection.Inbound, P.Tcp("10.9.0.3", "10.9.0.2", 1, 80)));
        Assert.False(firewall.Check(FilterDirection.Inbound, P.Tcp("10.8.0.3", "10.9.0.2", 1, 80)));
        Assert.True(firewall.Check(FilterDirection.Inbound, P.Tcp("10.8.0.3", "10.9.0.2", 1, 22)));
    }

    [Fact]
    public void PacketBuilder_UdpFromSharedBuilder_ParsesAsUdp()
    {
        // The shared UDP builder and ours agree on layout (the filter reads ports at the same place).
        Assert.Equal(FilterDropReason.None, PacketHeaderParser.Parse(PacketBuilder.Udp("10.9.0.1", "10.9.0.2", 7, 9, "x"u8), false, out var headers));
        Assert.Equal((ushort)9, headers.DestinationPort);
        Assert.Equal(IpProtocolNumber.Udp, headers.Protocol);
    }
}
