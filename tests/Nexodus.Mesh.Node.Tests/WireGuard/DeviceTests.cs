using System.Net;
using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.Core.Net;
using Nexodus.Mesh.Node.WireGuard;
using Nexodus.Mesh.TestDoubles.WireGuard;

namespace Nexodus.Mesh.Node.Tests.WireGuard;

public sealed class DeviceTests
{
    private static string Payload(byte[]? packet) => packet is null ? "<nothing>" : System.Text.Encoding.UTF8.GetString(PacketBuilder.UdpPayload(packet));

    [Fact]
    public async Task Handshake_DataBothWays_Delivered()
    {
        await using var p = new DevicePair();
        Assert.Equal("hello", Payload(p.SendAtoB("hello")));
        Assert.Equal("world", Payload(p.SendBtoA("world")));
        Assert.NotNull(p.PeerAtA.Current);
        Assert.True(p.PeerAtA.Current!.IsInitiator);
        Assert.NotNull(p.PeerAtB.Current);
        Assert.False(p.PeerAtB.Current!.IsInitiator);
        Assert.NotNull(p.PeerAtA.LastHandshake);
        Assert.True(p.PeerAtA.TxBytes > 0 && p.PeerAtA.RxBytes > 0);
    }

    [Fact]
    public async Task Data_Ipv6_Delivered()
    {
        await using var p = new DevicePair();
        p.TunA.SendToTunnel(PacketBuilder.Udp("fd09::1", "fd09::2", 1, 2, "v6"u8));
        Assert.True(p.TunB.TryReceiveFromTunnel(out var got, TimeSpan.FromSeconds(10)));
        Assert.Equal("v6"u8.ToArray(), PacketBuilder.UdpPayload(got).ToArray());
    }

    [Fact]
    public async Task Responder_WithoutEndpoint_LearnsItFromInitiation()
    {
        await using var p = new DevicePair(bKnowsEndpoint: false);
        Assert.Null(p.PeerAtB.Endpoint);
        Assert.Equal("x", Payload(p.SendAtoB("x")));
        Assert.Equal(ChannelNetwork.Address(DevicePair.AddressA), p.PeerAtB.Endpoint);
        Assert.Equal("y", Payload(p.SendBtoA("y")));
    }

    [Fact]
    public async Task Rekey_AfterRekeyAfterTime_NewSessionTrafficContinues()
    {
        await using var p = new DevicePair();
        Assert.NotNull(p.SendAtoB("first"));
        Assert.NotNull(p.SendBtoA("reply"));
        var before = p.PeerAtA.Current;
        p.AdvanceSlowly(Protocol.RekeyAfterTime + TimeSpan.FromSeconds(1));
        Assert.Equal("after", Payload(p.SendAtoB("after"))); // still the old session, which triggers the rekey
        DevicePair.WaitUntil(() => !ReferenceEquals(p.PeerAtA.Current, before), "initiator rekey");
        Assert.Equal("again", Payload(p.SendAtoB("again")));
        Assert.Equal("back", Payload(p.SendBtoA("back")));
        Assert.NotSame(before, p.PeerAtA.Current);
    }

    [Fact]
    public async Task Session_PastRejectAfterTime_NotUsedNewHandshake()
    {
        await using var p = new DevicePair();
        Assert.NotNull(p.SendAtoB("first"));
        var old = p.PeerAtA.Current;
        p.Network.CaptureSent = true;
        p.AdvanceSlowly(Protocol.RejectAfterTime + TimeSpan.FromSeconds(1));
        Assert.Equal("late", Payload(p.SendAtoB("late")));
        Assert.NotSame(old, p.PeerAtA.Current);
        Assert.Contains(p.Network.Sent, s => s.Data[0] == 1);
    }

    [Fact]
    public async Task Replay_TransportPacketReinjected_Rejected()
    {
        await using var p = new DevicePair();
        Assert.NotNull(p.SendAtoB("warmup"));
        p.Network.CaptureSent = true;
        Assert.NotNull(p.SendAtoB("once"));
        var transport = p.Network.Sent.Last(s => s.Data[0] == 4 && s.Data.Length > 32);
        var replayedBefore = p.B.Counters.Replayed.Value;
        p.BindB.Inject(transport.From, transport.Data);
        DevicePair.WaitUntil(() => p.B.Counters.Replayed.Value == replayedBefore + 1, "replay counter");
        Assert.False(p.TunB.TryReceiveFromTunnel(out _, TimeSpan.FromMilliseconds(200)));
    }

    [Fact]
    public async Task Reordering_InsideWindow_AcceptedOutsideRejected()
    {
        await using var p = new DevicePair();
        Assert.NotNull(p.SendAtoB("warmup"));
        byte[]? held = null;
        p.Network.Filter = (_, _, data) =>
        {
            if (held is null && data[0] == 4 && data.Length > 32)
            {
                held = data;
                return false;
            }

            return true;
        };
        for (var i = 0; i < 100; i++)
        {
            p.TunA.SendToTunnel(DevicePair.AtoB("n" + i));
        }

        DevicePair.WaitUntil(() => p.TunB.DeliveredCount == 99, "99 packets");
        p.BindB.Inject(ChannelNetwork.Address(DevicePair.AddressA), held!);
        DevicePair.WaitUntil(() => p.TunB.DeliveredCount == 100, "late packet inside the window");

        // Now hold one back and push more than the window past it: it must be rejected.
        held = null;
        for (var i = 0; i < (int)ReplayFilter.WindowSize + 70; i++)
        {
            p.TunA.SendToTunnel(DevicePair.AtoB("m"));
        }

        var expected = 100 + (int)ReplayFilter.WindowSize + 69;
        DevicePair.WaitUntil(() => p.TunB.DeliveredCount == expected, "window flood", 60_000);
        var replayed = p.B.Counters.Replayed.Value;
        p.BindB.Inject(ChannelNetwork.Address(DevicePair.AddressA), held!);
        DevicePair.WaitUntil(() => p.B.Counters.Replayed.Value == replayed + 1, "too-old packet rejected");
        Assert.Equal(expected, p.TunB.DeliveredCount);
    }

    [Fact]
    public async Task Cookie_ResponderUnderLoad_InitiatorRetriesWithMac2()
    {
        await using var p = new DevicePair(new DeviceOptions { UnderLoadThreshold = 0 });
        p.TunA.SendToTunnel(DevicePair.AtoB("under load"));
        DevicePair.WaitUntil(() => p.B.Counters.CookieRepliesSent.Value >= 1, "cookie reply");
        DevicePair.WaitUntil(() => p.A.Counters.CookieRepliesAccepted.Value >= 1, "cookie accepted");
        Assert.Null(p.PeerAtA.Current);
        p.Time.Advance(Protocol.RekeyTimeout + TimeSpan.FromMilliseconds(400)); // retransmit, now with mac2
        Assert.True(p.TunB.TryReceiveFromTunnel(out var got, TimeSpan.FromSeconds(10)));
        Assert.Equal("under load", Payload(got));
        Assert.Equal(1, p.B.Counters.CookieRepliesSent.Value);
    }

    [Fact]
    public async Task Cookie_ForgedReply_Ignored()
    {
        await using var p = new DevicePair();
        p.Network.Filter = (_, _, _) => false; // nothing gets through: A's initiation stays pending
        p.TunA.SendToTunnel(DevicePair.AtoB("x"));
        DevicePair.WaitUntil(() => p.PeerAtA.Handshake.LocalIndex != 0, "initiation");
        var reply = new byte[MessageCookieReply.Size];
        reply[0] = 3;
        BitConverter.TryWriteBytes(reply.AsSpan(4), p.PeerAtA.Handshake.LocalIndex);
        Random.Shared.NextBytes(reply.AsSpan(8));
        p.BindA.Inject(ChannelNetwork.Address(DevicePair.AddressB), reply);
        DevicePair.WaitUntil(() => p.A.Counters.HandshakeRejected.Value == 1, "forged cookie rejected");
        Assert.False(p.PeerAtA.Cookies.HasFreshCookie);
    }

    [Fact]
    public async Task KeyChange_ResponderNewPrivateKey_SessionReestablished()
    {
        await using var p = new DevicePair();
        Assert.NotNull(p.SendAtoB("before"));
        p.Time.Advance(TimeSpan.FromSeconds(1)); // a later initiation timestamp, as in real life
        var newKey = PrivateKey.Generate();
        p.B.SetPrivateKey(newKey);
        p.A.RemovePeer(p.KeyB.PublicKey);
        p.ReplaceKeyB(newKey);
        var peer = p.A.AddPeer(newKey.PublicKey);
        peer.SetEndpoint(ChannelNetwork.Address(DevicePair.AddressB));
        p.A.AddAllowedIp(peer, IPNetwork.Parse("10.9.0.2/32"));
        p.PeerAtA = peer;
        Assert.Equal("after", Payload(p.SendAtoB("after")));
        Assert.Equal("reply", Payload(p.SendBtoA("reply")));
    }

    [Fact]
    public async Task KeyChange_PresharedKeyMismatch_NoSessionThenMatchWorks()
    {
        await using var p = new DevicePair();
        var psk = new byte[32];
        Random.Shared.NextBytes(psk);
        p.PeerAtA.SetPresharedKey(psk);
        Assert.Null(p.SendAtoB("mismatch", TimeSpan.FromMilliseconds(500)));
        DevicePair.WaitUntil(() => p.A.Counters.HandshakeRejected.Value >= 1, "response under a different psk rejected");
        p.PeerAtB.SetPresharedKey(psk);
        p.Time.Advance(Protocol.RekeyTimeout + TimeSpan.FromMilliseconds(400));
        Assert.Equal("mismatch", Payload(p.TunB.TryReceiveFromTunnel(out var got, TimeSpan.FromSeconds(10)) ? got : null));
    }

    [Fact]
    public async Task Keepalive_DataReceivedWithoutReply_KeepaliveAfter10s()
    {
        await using var p = new DevicePair();
        Assert.NotNull(p.SendAtoB("one-way"));
        DevicePair.Settle();
        p.Network.CaptureSent = true;
        p.Time.Advance(Protocol.KeepaliveTimeout + TimeSpan.FromMilliseconds(10));
        DevicePair.WaitUntil(() => p.Network.Sent.Any(s => s.From.Equals(p.BindB.LocalEndpoint) && s.Data[0] == 4 && s.Data.Length == 32), "keepalive from B");
    }

    [Fact]
    public async Task PersistentKeepalive_SendsEveryInterval()
    {
        await using var p = new DevicePair();
        Assert.NotNull(p.SendAtoB("x"));
        Assert.NotNull(p.SendBtoA("y"));
        DevicePair.Settle();
        p.PeerAtA.SetPersistentKeepalive(25);
        p.Network.CaptureSent = true;
        for (var i = 0; i < 3; i++)
        {
            p.Time.Advance(TimeSpan.FromSeconds(25));
            DevicePair.Settle();
        }

        var keepalives = p.Network.Sent.Count(s => s.From.Equals(p.BindA.LocalEndpoint) && s.Data[0] == 4 && s.Data.Length == 32);
        Assert.True(keepalives is >= 3 and <= 6, "keepalives: " + keepalives);
    }

    [Fact]
    public async Task Retransmit_NoResponse_RetriesEvery5sThenGivesUp()
    {
        await using var p = new DevicePair();
        p.Network.CaptureSent = true;
        p.Network.Filter = (_, _, _) => false;
        p.TunA.SendToTunnel(DevicePair.AtoB("lost"));
        DevicePair.WaitUntil(() => p.Network.Sent.Count(s => s.Data[0] == 1) == 1, "first initiation");
        for (var i = 0; i < 25; i++)
        {
            p.Time.Advance(Protocol.RekeyTimeout + TimeSpan.FromMilliseconds(334));
        }

        var initiations = p.Network.Sent.Count(s => s.Data[0] == 1);
        Assert.True(initiations == Protocol.MaxTimerHandshakes + 2, "initiations: " + initiations);
        Assert.Equal(Protocol.MaxTimerHandshakes + 2, initiations); // first + 18 retries + the one that hits the limit
    }

    [Fact]
    public async Task PathBecameUsable_InitiationLostWithoutPath_ResentAtOnceNotAfter5s()
    {
        await using var p = new DevicePair();
        p.Network.CaptureSent = true;
        p.Network.Filter = (_, _, _) => false; // no path yet: the first initiation is lost
        p.TunA.SendToTunnel(DevicePair.AtoB("waiting"));
        DevicePair.WaitUntil(() => p.Network.Sent.Count(s => s.Data[0] == 1) == 1, "first initiation");

        p.Network.Filter = null;
        p.PeerAtA.PathBecameUsable(); // the clock does not move: only this can resend

        Assert.True(p.TunB.TryReceiveFromTunnel(out _, TimeSpan.FromSeconds(10)), "the staged packet arrived without waiting out the retransmit");
        Assert.Equal(2, p.Network.Sent.Count(s => s.Data[0] == 1));

        // With a session up, a path event sends nothing.
        p.PeerAtA.PathBecameUsable();
        DevicePair.Settle();
        Assert.Equal(2, p.Network.Sent.Count(s => s.Data[0] == 1));
    }

    [Fact]
    public async Task NewHandshake_DataSentNoAnswer_ReinitiatesAfter15s()
    {
        await using var p = new DevicePair();
        Assert.NotNull(p.SendAtoB("x"));
        Assert.NotNull(p.SendBtoA("y"));
        DevicePair.Settle();
        p.Network.CaptureSent = true;
        p.Network.Filter = (from, _, _) => !from.Equals(p.BindB.LocalEndpoint); // B goes silent
        p.TunA.SendToTunnel(DevicePair.AtoB("unanswered"));
        DevicePair.Settle();
        p.Time.Advance(Protocol.KeepaliveTimeout + Protocol.RekeyTimeout + TimeSpan.FromMilliseconds(400));
        DevicePair.WaitUntil(() => p.Network.Sent.Any(s => s.From.Equals(p.BindA.LocalEndpoint) && s.Data[0] == 1), "new initiation");
    }

    [Fact]
    public async Task Roaming_InitiatorMoves_EndpointFollows()
    {
        await using var p = new DevicePair();
        Assert.NotNull(p.SendAtoB("x"));
        Assert.NotNull(p.SendBtoA("y"));
        p.BindA.MoveTo("198.51.100.7:40000");
        Assert.Equal("moved", Payload(p.SendAtoB("moved")));
        Assert.Equal(ChannelNetwork.Address("198.51.100.7:40000"), p.PeerAtB.Endpoint);
        Assert.Equal("reply", Payload(p.SendBtoA("reply")));
    }

    [Fact]
    public async Task Inbound_SourceNotAllowed_Dropped()
    {
        await using var p = new DevicePair();
        Assert.NotNull(p.SendAtoB("x"));
        p.TunA.SendToTunnel(PacketBuilder.Udp("10.99.0.1", "10.9.0.2", 1, 2, "spoof"u8));
        DevicePair.WaitUntil(() => p.B.Counters.DisallowedSource.Value == 1, "disallowed source");
        Assert.False(p.TunB.TryReceiveFromTunnel(out _, TimeSpan.FromMilliseconds(100)));
    }

    [Fact]
    public async Task RemovePeer_StopsTraffic()
    {
        await using var p = new DevicePair();
        Assert.NotNull(p.SendAtoB("x"));
        Assert.True(p.A.RemovePeer(p.KeyB.PublicKey));
        p.TunA.SendToTunnel(DevicePair.AtoB("gone"));
        DevicePair.WaitUntil(() => p.A.Counters.NoRoute.Value == 1, "no route");
        Assert.Empty(p.A.AllowedIpsOf(p.PeerAtA));
    }

    [Fact]
    public async Task Interceptor_ClaimsDatagrams_EngineNeverSeesThem()
    {
        await using var p = new DevicePair();
        var claimed = new Interceptor();
        p.B.Interceptor = claimed;
        p.BindB.Inject(ChannelNetwork.Address("203.0.113.5:3478"), [0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42]);
        DevicePair.WaitUntil(() => claimed.Count == 1, "interceptor");
        Assert.Equal(1, p.B.Counters.Intercepted.Value);
        Assert.Equal(0, p.B.Counters.Malformed.Value);
        Assert.Equal("still works", Payload(p.SendAtoB("still works")));
    }

    private sealed class Interceptor : IDatagramInterceptor
    {
        public int Count;

        public bool TryClaim(Endpoint from, ReadOnlySpan<byte> datagram)
        {
            // STUN magic cookie at offset 4: ours; everything else goes to WireGuard.
            if (datagram.Length >= 8 && datagram[4] == 0x21 && datagram[5] == 0x12)
            {
                Interlocked.Increment(ref Count);
                return true;
            }

            return false;
        }
    }
}
