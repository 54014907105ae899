using Microsoft.Extensions.Time.Testing;
using Nexodus.Mesh.Node.Filter;
using static Nexodus.Mesh.Node.Tests.Filter.Rules;
using P = Nexodus.Mesh.TestDoubles.WireGuard.IpPacketBuilder;

namespace Nexodus.Mesh.Node.Tests.Filter;

/// <summary>Stateful behaviour: replies via connection tracking, idle expiry on a fake clock, a full table, filter swaps.</summary>
public sealed class ConnTrackTests
{
    private const FilterDirection In = FilterDirection.Inbound;
    private const FilterDirection Out = FilterDirection.Outbound;

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private Firewall NewFirewall(ConnTrackOptions? options = null) => new(_time, options);

    [Fact]
    public void Check_ReplyToAdmittedInboundTcp_PassesOutboundOnlyForThatFlow()
    {
        var fw = NewFirewall();
        fw.SetFilter(SshOnlyFromA());
        Assert.True(fw.Check(In, P.Tcp("10.9.0.1", "10.9.0.2", 40000, 22, P.Syn)));
        Assert.True(fw.Check(Out, P.Tcp("10.9.0.2", "10.9.0.1", 22, 40000, P.Syn | P.Ack)));
        Assert.True(fw.Check(In, P.Tcp("10.9.0.1", "10.9.0.2", 40000, 22, P.Ack)));
        Assert.Equal(1, fw.FlowCount);

        // Same hosts, but not that flow: another source port, or B starting a connection of its own.
        Assert.False(fw.Check(Out, P.Tcp("10.9.0.2", "10.9.0.1", 22, 40001, P.Syn | P.Ack)));
        Assert.False(fw.Check(Out, P.Tcp("10.9.0.2", "10.9.0.1", 40000, 22, P.Syn)));
        Assert.False(fw.Check(Out, P.Udp("10.9.0.2", "10.9.0.1", 22, 40000)));
        Assert.Equal(3, fw.Counters.Outbound.NotAllowed);
    }

    [Fact]
    public void Check_ReplyToAdmittedOutboundFlows_PassInbound()
    {
        var fw = NewFirewall();
        fw.SetFilter(Policy([], [Rule("udp", 53, 53, "10.9.0.0/24"), Rule("icmp", "10.9.0.0/24", "fd09::/64"), Rule("tcp", 443, 443, "fd09::/64")]));
        Assert.True(fw.Check(Out, P.Udp("10.9.0.2", "10.9.0.1", 33000, 53)));
        Assert.True(fw.Check(In, P.Udp("10.9.0.1", "10.9.0.2", 53, 33000)));
        Assert.False(fw.Check(In, P.Udp("10.9.0.1", "10.9.0.2", 53, 33001)));

        Assert.True(fw.Check(Out, P.Echo("10.9.0.2", "10.9.0.1", 77)));
        Assert.True(fw.Check(In, P.Echo("10.9.0.1", "10.9.0.2", 77, request: false)));
        Assert.False(fw.Check(In, P.Echo("10.9.0.1", "10.9.0.2", 78, request: false)));
        Assert.False(fw.Check(In, P.Echo("10.9.0.1", "10.9.0.2", 77, request: true))); // the peer's own ping with our id needs a rule

        Assert.True(fw.Check(Out, P.Echo("fd09::2", "fd09::1", 5)));
        Assert.True(fw.Check(In, P.Echo("fd09::1", "fd09::2", 5, request: false)));

        Assert.True(fw.Check(Out, P.Tcp("fd09::2", "fd09::1", 41000, 443)));
        Assert.True(fw.Check(In, P.Tcp("fd09::1", "fd09::2", 443, 41000, P.Syn | P.Ack)));
        Assert.False(fw.Check(In, P.Tcp("fd09::1", "fd09::2", 443, 41001, P.Syn | P.Ack)));
    }

    [Fact]
    public void Check_OtherProtocolReply_TrackedByAddressPair()
    {
        var fw = NewFirewall();
        fw.SetFilter(Policy([], [Rule("any", "10.9.0.1/32")]));
        Assert.False(fw.Check(In, P.Raw("10.9.0.1", "10.9.0.2", 47)));
        Assert.True(fw.Check(Out, P.Raw("10.9.0.2", "10.9.0.1", 47)));
        Assert.True(fw.Check(In, P.Raw("10.9.0.1", "10.9.0.2", 47)));
        Assert.False(fw.Check(In, P.Raw("10.9.0.1", "10.9.0.2", 50)));
    }

    [Fact]
    public void Check_UdpIdle_UnrepliedAfter30sRepliedAfter2Min_Expires()
    {
        var fw = NewFirewall();
        fw.SetFilter(Policy([], [Rule("udp", "10.9.0.1/32")]));
        Assert.True(fw.Check(Out, P.Udp("10.9.0.2", "10.9.0.1", 1000, 2000)));
        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.True(fw.Check(In, P.Udp("10.9.0.1", "10.9.0.2", 2000, 1000)));   // replied now: 2 min from here
        _time.Advance(TimeSpan.FromSeconds(119));
        Assert.True(fw.Check(In, P.Udp("10.9.0.1", "10.9.0.2", 2000, 1000)));
        _time.Advance(TimeSpan.FromSeconds(121));
        Assert.False(fw.Check(In, P.Udp("10.9.0.1", "10.9.0.2", 2000, 1000)));
        Assert.Equal(0, fw.FlowCount);
        Assert.Equal(1, fw.Counters.FlowsExpired);

        Assert.True(fw.Check(Out, P.Udp("10.9.0.2", "10.9.0.1", 1001, 2000)));
        _time.Advance(TimeSpan.FromSeconds(31));
        Assert.False(fw.Check(In, P.Udp("10.9.0.1", "10.9.0.2", 2000, 1001)));
    }

    [Fact]
    public void Check_TcpEstablished_IdleFiveMinutesExpires()
    {
        var fw = NewFirewall();
        fw.SetFilter(SshOnlyFromA());
        Assert.True(fw.Check(In, P.Tcp("10.9.0.1", "10.9.0.2", 40000, 22, P.Syn)));
        Assert.True(fw.Check(Out, P.Tcp("10.9.0.2", "10.9.0.1", 22, 40000, P.Syn | P.Ack)));
        _time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));
        Assert.True(fw.Check(Out, P.Tcp("10.9.0.2", "10.9.0.1", 22, 40000, P.Ack)));
        _time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        Assert.False(fw.Check(Out, P.Tcp("10.9.0.2", "10.9.0.1", 22, 40000, P.Ack)));
    }

    [Fact]
    public void Check_TcpUnansweredSyn_ExpiresAfter30s()
    {
        var fw = NewFirewall();
        fw.SetFilter(SshOnlyFromA());
        Assert.True(fw.Check(In, P.Tcp("10.9.0.1", "10.9.0.2", 40000, 22, P.Syn)));
        _time.Advance(TimeSpan.FromSeconds(31));
        Assert.False(fw.Check(Out, P.Tcp("10.9.0.2", "10.9.0.1", 22, 40000, P.Syn | P.Ack)));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Check_TcpClosedByRstOrFinBothWays_ShortTimeout(bool reset)
    {
        var fw = NewFirewall();
        fw.SetFilter(SshOnlyFromA());
        Assert.True(fw.Check(In, P.Tcp("10.9.0.1", "10.9.0.2", 40000, 22, P.Syn)));
        Assert.True(fw.Check(Out, P.Tcp("10.9.0.2", "10.9.0.1", 22, 40000, P.Syn | P.Ack)));
        if (reset)
        {
            Assert.True(fw.Check(Out, P.Tcp("10.9.0.2", "10.9.0.1", 22, 40000, P.Rst)));
        }
        else
        {
            Assert.True(fw.Check(In, P.Tcp("10.9.0.1", "10.9.0.2", 40000, 22, P.Fin | P.Ack)));
            Assert.True(fw.Check(Out, P.Tcp("10.9.0.2", "10.9.0.1", 22, 40000, P.Fin | P.Ack)));
        }

        _time.Advance(TimeSpan.FromSeconds(31));
        Assert.False(fw.Check(Out, P.Tcp("10.9.0.2", "10.9.0.1", 22, 40000, P.Ack)));
    }

    [Fact]
    public void Check_IcmpEcho_ExpiresAfter30s()
    {
        var fw = NewFirewall();
        fw.SetFilter(Policy([Rule("icmp", "10.9.0.1/32")], []));
        Assert.True(fw.Check(In, P.Echo("10.9.0.1", "10.9.0.2", 9)));
        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.True(fw.Check(Out, P.Echo("10.9.0.2", "10.9.0.1", 9, request: false)));
        _time.Advance(TimeSpan.FromSeconds(31));
        Assert.False(fw.Check(Out, P.Echo("10.9.0.2", "10.9.0.1", 9, request: false)));
    }

    [Fact]
    public void Check_TableFull_NewFlowsDroppedExistingKeptSpaceReclaimedAfterExpiry()
    {
        var fw = NewFirewall(new ConnTrackOptions { MaxFlows = 4 });
        fw.SetFilter(Policy([Rule("udp", "10.9.0.0/24")], []));
        for (ushort port = 1; port <= 4; port++)
        {
            Assert.True(fw.Check(In, P.Udp("10.9.0.1", "10.9.0.2", port, 53)));
        }

        Assert.Equal(4, fw.FlowCount);
        Assert.False(fw.Check(In, P.Udp("10.9.0.1", "10.9.0.2", 5, 53)));
        Assert.False(fw.Check(In, P.Udp("10.9.0.1", "10.9.0.2", 6, 53)));
        Assert.Equal(2, fw.Counters.Inbound.TableFull);
        Assert.Equal(4, fw.FlowCount);
        // Established flows keep working while the table is full.
        Assert.True(fw.Check(Out, P.Udp("10.9.0.2", "10.9.0.1", 53, 1)));
        Assert.True(fw.Check(In, P.Udp("10.9.0.1", "10.9.0.2", 2, 53)));

        _time.Advance(TimeSpan.FromMinutes(3));
        Assert.True(fw.Check(In, P.Udp("10.9.0.1", "10.9.0.2", 5, 53)));
        Assert.Equal(1, fw.FlowCount);
        Assert.Equal(4, fw.Counters.FlowsExpired);
    }

    [Fact]
    public void Check_ManyFlows_TableNeverGrowsPastItsBound()
    {
        var fw = NewFirewall(new ConnTrackOptions { MaxFlows = 1000 });
        fw.SetFilter(Policy([Rule("any", "10.0.0.0/8")], []));
        var admitted = 0;
        for (var i = 0; i < 5000; i++)
        {
            if (fw.Check(In, P.Udp($"10.1.{i / 250}.{(i % 250) + 1}", "10.9.0.2", (ushort)(i + 1), 9)))
            {
                admitted++;
            }

            Assert.True(fw.FlowCount <= 1000);
        }

        Assert.Equal(1000, admitted);
        Assert.Equal(4000, fw.Counters.Inbound.TableFull);
    }

    [Fact]
    public void SetFilter_AllowanceRemoved_TrackedFlowRevokedOnNextPacket()
    {
        var fw = NewFirewall();
        fw.SetFilter(SshOnlyFromA());
        Assert.True(fw.Check(In, P.Tcp("10.9.0.1", "10.9.0.2", 40000, 22, P.Syn)));
        Assert.True(fw.Check(Out, P.Tcp("10.9.0.2", "10.9.0.1", 22, 40000, P.Syn | P.Ack)));

        fw.SetFilter(Policy([Rule("icmp", "10.9.0.1/32")], []));
        Assert.False(fw.Check(Out, P.Tcp("10.9.0.2", "10.9.0.1", 22, 40000, P.Ack)));
        Assert.Equal(1, fw.Counters.FlowsRevoked);
        Assert.Equal(0, fw.FlowCount);
        Assert.False(fw.Check(In, P.Tcp("10.9.0.1", "10.9.0.2", 40000, 22, P.Ack)));

        // Restored: the client's next segment is admitted again and replies follow.
        fw.SetFilter(SshOnlyFromA());
        Assert.True(fw.Check(In, P.Tcp("10.9.0.1", "10.9.0.2", 40000, 22, P.Ack)));
        Assert.True(fw.Check(Out, P.Tcp("10.9.0.2", "10.9.0.1", 22, 40000, P.Ack)));
    }

    [Fact]
    public void SetFilter_AllowanceKept_TrackedFlowSurvivesSwap()
    {
        var fw = NewFirewall();
        fw.SetFilter(SshOnlyFromA());
        Assert.True(fw.Check(In, P.Tcp("10.9.0.1", "10.9.0.2", 40000, 22, P.Syn)));
        fw.SetFilter(Policy([Rule("tcp", 1, 1024, "10.9.0.0/24"), Rule("icmp", "10.9.0.1/32")], []));
        Assert.True(fw.Check(Out, P.Tcp("10.9.0.2", "10.9.0.1", 22, 40000, P.Syn | P.Ack)));
        Assert.Equal(0, fw.Counters.FlowsRevoked);
    }

    [Fact]
    public void SetFilter_OutboundAllowanceRemoved_ReplyInboundRevoked()
    {
        var fw = NewFirewall();
        fw.SetFilter(Policy([], [Rule("udp", 53, 53, "10.9.0.1/32")]));
        Assert.True(fw.Check(Out, P.Udp("10.9.0.2", "10.9.0.1", 33000, 53)));
        fw.SetFilter(Policy([], [Rule("udp", 54, 54, "10.9.0.1/32")]));
        Assert.False(fw.Check(In, P.Udp("10.9.0.1", "10.9.0.2", 53, 33000)));
        Assert.Equal(1, fw.Counters.FlowsRevoked);
    }

    [Fact]
    public void Check_NonFirstFragments_PassOnlyAfterAdmittedFirstFragment()
    {
        var fw = NewFirewall();
        fw.SetFilter(Policy([Rule("udp", 5000, 5000, "10.9.0.1/32")], []));
        var udp = new byte[24];
        udp[2] = 5000 >> 8;
        udp[3] = 5000 & 0xff;
        var first = P.Ip("10.9.0.1", "10.9.0.2", 17, udp, fragmentId: 99, moreFragments: true);
        var second = P.Ip("10.9.0.1", "10.9.0.2", 17, new byte[16], fragmentId: 99, fragmentOffsetBytes: 24);
        var otherId = P.Ip("10.9.0.1", "10.9.0.2", 17, new byte[16], fragmentId: 98, fragmentOffsetBytes: 24);

        Assert.False(fw.Check(In, second)); // before its first fragment
        Assert.True(fw.Check(In, first));
        Assert.True(fw.Check(In, second));
        Assert.False(fw.Check(In, otherId));
        Assert.False(fw.Check(Out, P.Ip("10.9.0.2", "10.9.0.1", 17, new byte[16], fragmentId: 99, fragmentOffsetBytes: 24)));
        Assert.Equal(2, fw.Counters.Inbound.Fragment);
        _time.Advance(TimeSpan.FromSeconds(31));
        Assert.False(fw.Check(In, second));

        // A first fragment to a port the rules refuse opens nothing.
        udp[3] = 1;
        Assert.False(fw.Check(In, P.Ip("10.9.0.1", "10.9.0.2", 17, udp, fragmentId: 100, moreFragments: true)));
        Assert.False(fw.Check(In, P.Ip("10.9.0.1", "10.9.0.2", 17, new byte[16], fragmentId: 100, fragmentOffsetBytes: 24)));
    }

    [Fact]
    public void Check_Ipv6Fragments_PassOnlyAfterAdmittedFirstFragment()
    {
        var fw = NewFirewall();
        fw.SetFilter(Policy([Rule("tcp", 22, 22, "fd09::1/128")], []));
        var tcp = P.Tcp("fd09::1", "fd09::2", 40000, 22).AsSpan(40);
        var first = P.Ip6("fd09::1", "fd09::2", 6, [44], tcp, fragmentId: 5, moreFragments: true);
        var second = P.Ip6("fd09::1", "fd09::2", 6, [44], new byte[16], fragmentId: 5, fragmentOffsetBytes: 24);
        Assert.True(fw.Check(In, first));
        Assert.True(fw.Check(In, second));
        Assert.False(fw.Check(In, P.Ip6("fd09::1", "fd09::2", 6, [44], new byte[16], fragmentId: 6, fragmentOffsetBytes: 24)));
        // An atomic fragment (offset 0, no more fragments) is a whole packet, judged by its ports.
        Assert.True(fw.Check(In, P.Ip6("fd09::1", "fd09::2", 6, [44], tcp, fragmentId: 8)));
        Assert.False(fw.Check(In, P.Ip6("fd09::1", "fd09::2", 6, [44], P.Tcp("fd09::1", "fd09::2", 40000, 80).AsSpan(40), fragmentId: 9)));
    }

    [Fact]
    public void Check_TinyFirstFragmentWithoutWholeTcpHeader_DroppedMalformed()
    {
        var fw = NewFirewall();
        fw.SetFilter(SshOnlyFromA());
        var tcp = P.Tcp("10.9.0.1", "10.9.0.2", 40000, 22)[20..28];
        Assert.False(fw.Check(In, P.Ip("10.9.0.1", "10.9.0.2", 6, tcp, fragmentId: 1, moreFragments: true)));
        Assert.Equal(1, fw.Counters.Inbound.Malformed);
    }

    public static TheoryData<byte[], bool> ExtensionChains() => new()
    {
        { [0], true },
        { [0, 60, 43], true },
        { [51], true },
        { [0, 60, 43, 60, 60, 60, 60, 60], true },          // 8: the most we walk
        { [0, 60, 43, 60, 60, 60, 60, 60, 60], false },     // 9: unsupported
    };

    [Theory]
    [MemberData(nameof(ExtensionChains))]
    public void Check_Ipv6ExtensionHeaders_SkippedToTransportOrDroppedWhenTooMany(byte[] chain, bool admitted)
    {
        var fw = NewFirewall();
        fw.SetFilter(Policy([Rule("tcp", 22, 22, "fd09::1/128")], []));
        var tcp22 = P.Tcp("fd09::1", "fd09::2", 40000, 22).AsSpan(40);
        var tcp80 = P.Tcp("fd09::1", "fd09::2", 40000, 80).AsSpan(40);
        Assert.Equal(admitted, fw.Check(In, P.Ip6("fd09::1", "fd09::2", 6, chain, tcp22)));
        Assert.False(fw.Check(In, P.Ip6("fd09::1", "fd09::2", 6, chain, tcp80)));
        Assert.Equal(admitted ? 0 : 2, fw.Counters.Inbound.UnsupportedHeader);
    }

    [Fact]
    public void Check_IcmpErrorAboutTrackedFlow_PassesAsRelated()
    {
        var fw = NewFirewall();
        fw.SetFilter(Policy([Rule("udp", 5000, 5000, "10.9.0.1/32")], [Rule("tcp", 443, 443, "0.0.0.0/0")]));
        var inboundUdp = P.Udp("10.9.0.1", "10.9.0.2", 33000, 5000);
        Assert.True(fw.Check(In, inboundUdp));
        // Our host answers "port unreachable", quoting the datagram: outbound rules alone would refuse it.
        Assert.True(fw.Check(Out, P.IcmpError("10.9.0.2", "10.9.0.1", inboundUdp)));
        // An error about a flow never seen, or quoting someone else's packet, is not related.
        Assert.False(fw.Check(Out, P.IcmpError("10.9.0.2", "10.9.0.1", P.Udp("10.9.0.1", "10.9.0.2", 33001, 5000))));
        Assert.False(fw.Check(Out, P.IcmpError("10.9.0.2", "10.9.0.1", P.Udp("10.9.0.1", "10.9.0.7", 33000, 5000))));

        // Path MTU: "fragmentation needed" about our outbound TCP, from a hop on the way (first 8 bytes quoted).
        var outboundTcp = P.Tcp("10.9.0.2", "198.51.100.7", 41000, 443, P.Ack, payload: 100);
        Assert.True(fw.Check(Out, outboundTcp));
        Assert.True(fw.Check(In, P.IcmpError("10.9.0.1", "10.9.0.2", outboundTcp[..28], code: 4)));
        Assert.False(fw.Check(In, P.IcmpError("10.9.0.1", "10.9.0.2", P.Tcp("10.9.0.2", "198.51.100.7", 41001, 443)[..28], code: 4)));
        Assert.Equal(2, fw.FlowCount); // the UDP and TCP flows; errors never create flows
    }

    [Fact]
    public void Check_Icmpv6PacketTooBigAboutTrackedFlow_PassesAsRelated()
    {
        var fw = NewFirewall();
        fw.SetFilter(Policy([], [Rule("tcp", 443, 443, "::/0")]));
        var outboundTcp = P.Tcp("fd09::2", "2001:db8::7", 41000, 443, P.Ack, payload: 100);
        Assert.True(fw.Check(Out, outboundTcp));
        Assert.True(fw.Check(In, P.IcmpError("fd09::1", "fd09::2", outboundTcp, type: 2, code: 0)));
        Assert.False(fw.Check(In, P.IcmpError("fd09::1", "fd09::2", P.Tcp("fd09::2", "2001:db8::7", 41001, 443), type: 2, code: 0)));
    }

    [Fact]
    public void Check_ConcurrentThreadsWhileSwapping_NoExceptionsTableBounded()
    {
        var fw = NewFirewall(new ConnTrackOptions { MaxFlows = 500 });
        var a = Policy([Rule("udp", "10.0.0.0/8")], [Rule("any", "0.0.0.0/0")]);
        var b = Policy([Rule("tcp", "10.0.0.0/8")], []);
        fw.SetFilter(a);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        var workers = Enumerable.Range(0, 3).Select(w => Task.Run(() =>
        {
            var i = 0;
            while (!stop.IsCancellationRequested)
            {
                i++;
                var port = (ushort)((i * 7 + w) % 2000);
                fw.Check(In, P.Udp("10.9.0.1", "10.9.0.2", port, 53));
                fw.Check(Out, P.Udp("10.9.0.2", "10.9.0.1", 53, port));
                fw.Check(In, P.Tcp("10.9.0.1", "10.9.0.2", port, 22));
                Assert.True(fw.FlowCount <= 500);
            }
        })).ToArray();
        var swaps = 0;
        while (!stop.IsCancellationRequested)
        {
            fw.SetFilter(++swaps % 2 == 0 ? a : b);
            _time.Advance(TimeSpan.FromSeconds(1));
            Thread.Sleep(1);
        }

        Task.WaitAll(workers);
        Assert.True(swaps > 10);
        Assert.InRange(fw.FlowCount, 0, 500);
    }
}
