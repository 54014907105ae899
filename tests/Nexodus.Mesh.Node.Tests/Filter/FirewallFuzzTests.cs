using Microsoft.Extensions.Time.Testing;
using Nexodus.Mesh.Node.Filter;
using static Nexodus.Mesh.Node.Tests.Filter.Rules;
using P = Nexodus.Mesh.TestDoubles.WireGuard.IpPacketBuilder;

namespace Nexodus.Mesh.Node.Tests.Filter;

/// <summary>Untrusted packets: truncated, inconsistent, random and mutated ones are dropped and counted, never thrown on.</summary>
public sealed class FirewallFuzzTests
{
    private const int Iterations = 20_000;

    public static TheoryData<string, byte[]> MalformedPackets()
    {
        var tcp = P.Tcp("10.9.0.1", "10.9.0.2", 40000, 22);
        var v6 = P.Tcp("fd09::1", "fd09::2", 40000, 22);
        var badIhl = (byte[])tcp.Clone();
        badIhl[0] = 0x44;
        var bigIhl = (byte[])tcp.Clone();
        bigIhl[0] = 0x4f;
        var longTotal = (byte[])tcp.Clone();
        longTotal[3] = 200;
        var shortTotal = (byte[])tcp.Clone();
        shortTotal[2] = 0;
        shortTotal[3] = 10;
        var v6LongPayload = (byte[])v6.Clone();
        v6LongPayload[5] = 200;
        var truncatedExtension = P.Ip6("fd09::1", "fd09::2", 6, [0], [])[..44];
        truncatedExtension[5] = 4;
        var extensionPastEnd = P.Ip6("fd09::1", "fd09::2", 6, [0], new byte[20]);
        extensionPastEnd[41] = 200; // header length far past the packet
        return new()
        {
            { "empty", [] },
            { "one byte", [0x45] },
            { "version 5", [0x55, .. new byte[39]] },
            { "v4 shorter than a header", tcp[..19] },
            { "IHL below 5", badIhl },
            { "IHL past the packet", bigIhl[..24] },
            { "total length past the buffer", longTotal },
            { "total length below the header", shortTotal },
            { "tcp header of 19 bytes", P.Ip("10.9.0.1", "10.9.0.2", 6, new byte[19]) },
            { "udp header of 7 bytes", P.Ip("10.9.0.1", "10.9.0.2", 17, new byte[7]) },
            { "icmp header of 7 bytes", P.Ip("10.9.0.1", "10.9.0.2", 1, new byte[7]) },
            { "icmpv6 header of 7 bytes", P.Ip6("fd09::1", "fd09::2", 58, [], new byte[7]) },
            { "v6 shorter than a header", v6[..39] },
            { "v6 payload length past the buffer", v6LongPayload },
            { "v6 truncated extension header", truncatedExtension },
            { "v6 extension length past the end", extensionPastEnd },
        };
    }

    [Theory]
    [MemberData(nameof(MalformedPackets))]
    public void Check_MalformedPacket_DroppedAndCountedBothWays(string name, byte[] packet)
    {
        var fw = new Firewall(new FakeTimeProvider());
        fw.SetFilter(Policy([Rule("any", "0.0.0.0/0", "::/0")], [Rule("any", "0.0.0.0/0", "::/0")]));
        Assert.False(fw.Check(FilterDirection.Inbound, packet), name);
        Assert.False(fw.Check(FilterDirection.Outbound, packet), name);
        Assert.Equal(1, fw.Counters.Inbound.Malformed);
        Assert.Equal(1, fw.Counters.Outbound.Malformed);
        Assert.Equal(0, fw.FlowCount);
    }

    private static byte[][] Seeds() =>
    [
        P.Tcp("10.9.0.1", "10.9.0.2", 40000, 22),
        P.Tcp("fd09::1", "fd09::2", 40000, 22, P.Syn | P.Ack),
        P.Udp("10.9.0.1", "10.9.0.2", 1, 53),
        P.Udp("fd09::1", "fd09::2", 1, 53),
        P.Echo("10.9.0.1", "10.9.0.2", 7),
        P.Echo("fd09::1", "fd09::2", 7, request: false),
        P.IcmpError("10.9.0.1", "10.9.0.2", P.Udp("10.9.0.2", "10.9.0.1", 1, 53)),
        P.IcmpError("fd09::1", "fd09::2", P.Tcp("fd09::2", "fd09::1", 1, 443), type: 2),
        P.Ip("10.9.0.1", "10.9.0.2", 17, new byte[16], fragmentId: 3, fragmentOffsetBytes: 8),
        P.Ip6("fd09::1", "fd09::2", 6, [0, 60, 44, 43], P.Tcp("fd09::1", "fd09::2", 1, 22).AsSpan(40), moreFragments: true),
        P.Ip6("fd09::1", "fd09::2", 6, [51, 44], new byte[16], fragmentOffsetBytes: 16),
        P.Raw("10.9.0.1", "10.9.0.2", 47),
    ];

    [Fact]
    public void Check_RandomBytes_NeverThrowsTableBounded()
    {
        var random = new Random(20261207);
        var fw = new Firewall(new FakeTimeProvider(), new ConnTrackOptions { MaxFlows = 64 });
        fw.SetFilter(Policy([Rule("any", "0.0.0.0/1", "::/1"), Rule("tcp", 22, 22, "128.0.0.0/1")], [Rule("udp", "0.0.0.0/0", "::/0")]));
        var passed = 0;
        for (var i = 0; i < Iterations; i++)
        {
            var packet = new byte[random.Next(0, 160)];
            random.NextBytes(packet);
            if (packet.Length > 0 && random.Next(2) == 0)
            {
                // Make half of them look like IP so the parser goes past the version check.
                packet[0] = (byte)((random.Next(2) == 0 ? 0x40 : 0x60) | (packet[0] & 0x0f));
            }

            if (fw.Check((FilterDirection)(i & 1), packet))
            {
                passed++;
            }

            Assert.InRange(fw.FlowCount, 0, 64);
        }

        var dropped = fw.Counters.Inbound.Total + fw.Counters.Outbound.Total;
        Assert.Equal(Iterations, passed + dropped);
        Assert.True(fw.Counters.Inbound.Malformed > 0);
    }

    [Fact]
    public void Check_MutatedValidPackets_NeverThrowsTableBounded()
    {
        var random = new Random(7);
        var fw = new Firewall(new FakeTimeProvider(), new ConnTrackOptions { MaxFlows = 64, FragmentSlots = 16 });
        fw.SetFilter(Policy([Rule("any", "10.0.0.0/8", "fd00::/8")], [Rule("tcp", 443, 443, "0.0.0.0/0", "::/0")]));
        var seeds = Seeds();
        var passed = 0;
        for (var i = 0; i < Iterations; i++)
        {
            var packet = Mutate(seeds[random.Next(seeds.Length)], random);
            if (fw.Check((FilterDirection)(i & 1), packet))
            {
                passed++;
            }

            Assert.InRange(fw.FlowCount, 0, 64);
        }

        Assert.Equal(Iterations, passed + fw.Counters.Inbound.Total + fw.Counters.Outbound.Total);
        Assert.True(passed > 0);
    }

    private static byte[] Mutate(byte[] seed, Random random)
    {
        var packet = (byte[])seed.Clone();
        switch (random.Next(5))
        {
            case 0: // bit flips
                for (var k = random.Next(1, 4); k > 0 && packet.Length > 0; k--)
                {
                    packet[random.Next(packet.Length)] ^= (byte)(1 << random.Next(8));
                }

                return packet;
            case 1: // byte noise
                for (var k = random.Next(1, 6); k > 0 && packet.Length > 0; k--)
                {
                    packet[random.Next(packet.Length)] = (byte)random.Next(256);
                }

                return packet;
            case 2: // truncation
                return packet[..random.Next(packet.Length + 1)];
            case 3: // extension with garbage
                var longer = new byte[packet.Length + random.Next(1, 64)];
                packet.CopyTo(longer, 0);
                random.NextBytes(longer.AsSpan(packet.Length));
                return longer;
            default: // noise in the length and header-length fields
                if (packet.Length > 6)
                {
                    packet[random.Next(2) == 0 ? 0 : 3] = (byte)random.Next(256);
                    packet[random.Next(4, 7)] = (byte)random.Next(256);
                }

                return packet;
        }
    }
}
