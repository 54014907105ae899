using Nexodus.Mesh.Node.Filter;
using Nexodus.Mesh.Node.Tests.WireGuard;
using static Nexodus.Mesh.Node.Tests.Filter.Rules;
using P = Nexodus.Mesh.TestDoubles.WireGuard.IpPacketBuilder;

namespace Nexodus.Mesh.Node.Tests.Filter;

/// <summary>Two engines over the in-memory bind/TUN pair; the filter sits in B's engine (the receiver).</summary>
public sealed class DeviceFilterTests
{
    private static readonly TimeSpan Delivered = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan NotDelivered = TimeSpan.FromMilliseconds(400);

    private static DevicePair PairWithFilterOnB()
    {
        var p = new DevicePair();
        // Handshake and a first exchange before the filter, so drops below are the filter's and not a missing session.
        Assert.NotNull(p.SendAtoB("warm"));
        Assert.NotNull(p.SendBtoA("warm"));
        p.B.Firewall = new Firewall(p.Time);
        p.B.Firewall.SetFilter(SshOnlyFromA());
        return p;
    }

    private static byte[]? Through(TestDoubles.WireGuard.ChannelTun from, TestDoubles.WireGuard.ChannelTun to, byte[] packet, TimeSpan wait)
    {
        from.SendToTunnel(packet);
        return to.TryReceiveFromTunnel(out var got, wait) ? got : null;
    }

    [Fact]
    public async Task Receive_Ssh22Allowed_Port80AndUdpDroppedAtReceiver_RepliesFromReceiverPass()
    {
        await using var p = PairWithFilterOnB();
        var fw = p.B.Firewall!;

        var syn = P.Tcp("10.9.0.1", "10.9.0.2", 40000, 22, P.Syn);
        Assert.Equal(syn, Through(p.TunA, p.TunB, syn, Delivered));

        Assert.Null(Through(p.TunA, p.TunB, P.Tcp("10.9.0.1", "10.9.0.2", 40001, 80, P.Syn), NotDelivered));
        Assert.Null(Through(p.TunA, p.TunB, P.Udp("10.9.0.1", "10.9.0.2", 40002, 22), NotDelivered));
        Assert.Null(Through(p.TunA, p.TunB, P.Echo("10.9.0.1", "10.9.0.2", 1), NotDelivered));
        Assert.Equal(3, fw.Counters.Inbound.NotAllowed);

        // B's reply on the admitted flow passes its (empty) outbound rules via connection tracking.
        var synAck = P.Tcp("10.9.0.2", "10.9.0.1", 22, 40000, P.Syn | P.Ack);
        Assert.Equal(synAck, Through(p.TunB, p.TunA, synAck, Delivered));
        var ack = P.Tcp("10.9.0.1", "10.9.0.2", 40000, 22, P.Ack, payload: 100);
        Assert.Equal(ack, Through(p.TunA, p.TunB, ack, Delivered));

        // B may not start anything: dropped before encryption, so nothing reaches A.
        Assert.Null(Through(p.TunB, p.TunA, P.Tcp("10.9.0.2", "10.9.0.1", 50000, 22, P.Syn), NotDelivered));
        Assert.Equal(1, fw.Counters.Outbound.NotAllowed);
        Assert.Equal(0, p.A.Counters.DecryptFailed.Value);
    }

    [Fact]
    public async Task Receive_Ipv6_Ssh22AllowedOthersDropped()
    {
        await using var p = PairWithFilterOnB();
        var syn = P.Tcp("fd09::1", "fd09::2", 40000, 22, P.Syn);
        Assert.Equal(syn, Through(p.TunA, p.TunB, syn, Delivered));
        Assert.Null(Through(p.TunA, p.TunB, P.Tcp("fd09::1", "fd09::2", 40000, 443, P.Syn), NotDelivered));
        Assert.Null(Through(p.TunA, p.TunB, P.Echo("fd09::1", "fd09::2", 3), NotDelivered));
        var synAck = P.Tcp("fd09::2", "fd09::1", 22, 40000, P.Syn | P.Ack);
        Assert.Equal(synAck, Through(p.TunB, p.TunA, synAck, Delivered));
    }

    [Fact]
    public async Task SetFilter_WhileTrafficFlows_NewRulesApplyToTheNextPacket()
    {
        await using var p = PairWithFilterOnB();
        var fw = p.B.Firewall!;
        Assert.Null(Through(p.TunA, p.TunB, P.Echo("10.9.0.1", "10.9.0.2", 4), NotDelivered));
        var syn = P.Tcp("10.9.0.1", "10.9.0.2", 40000, 22, P.Syn);
        Assert.NotNull(Through(p.TunA, p.TunB, syn, Delivered));

        fw.SetFilter(Policy([Rule("icmp", "10.9.0.1/32")], []));
        var ping = P.Echo("10.9.0.1", "10.9.0.2", 4);
        Assert.Equal(ping, Through(p.TunA, p.TunB, ping, Delivered));
        var pong = P.Echo("10.9.0.2", "10.9.0.1", 4, request: false);
        Assert.Equal(pong, Through(p.TunB, p.TunA, pong, Delivered));
        // The SSH flow lost its allowance: its reply no longer leaves B.
        Assert.Null(Through(p.TunB, p.TunA, P.Tcp("10.9.0.2", "10.9.0.1", 22, 40000, P.Syn | P.Ack), NotDelivered));
        Assert.Equal(1, fw.Counters.FlowsRevoked);
    }

    [Fact]
    public async Task Device_NoFirewall_EverythingPasses()
    {
        await using var p = new DevicePair();
        Assert.Null(p.B.Firewall);
        Assert.NotNull(Through(p.TunA, p.TunB, P.Tcp("10.9.0.1", "10.9.0.2", 1, 80), Delivered));
        Assert.NotNull(Through(p.TunA, p.TunB, P.Raw("10.9.0.1", "10.9.0.2", 47), Delivered));
        Assert.NotNull(Through(p.TunB, p.TunA, P.Udp("10.9.0.2", "10.9.0.1", 1, 9), Delivered));
    }
}
