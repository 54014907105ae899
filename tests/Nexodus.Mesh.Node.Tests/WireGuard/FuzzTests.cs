using Nexodus.Mesh.Node.WireGuard;
using Nexodus.Mesh.TestDoubles.WireGuard;

namespace Nexodus.Mesh.Node.Tests.WireGuard;

/// <summary>
/// Random and mutated messages against a live engine: nothing throws or hangs, nothing unauthenticated is
/// delivered or changes the session (keypairs, handshake, endpoint, replay-protection timestamp).
/// </summary>
public sealed class FuzzTests
{
    private const int Iterations = 20_000;

    private sealed record Snapshot(Keypair? Current, HandshakeState State, uint LocalIndex, uint RemoteIndex, string Endpoint, string Timestamp, long Rx);

    private static Snapshot Take(Peer p)
    {
        lock (p.Sync)
        {
            return new Snapshot(p.Current, p.Handshake.State, p.Handshake.LocalIndex, p.Handshake.RemoteIndex, p.Endpoint?.ToString() ?? "", Convert.ToHexString(p.Handshake.LatestTimestamp), p.RxBytes);
        }
    }

    [Fact]
    public async Task RandomDatagrams_NothingEscapes_StateUnchanged()
    {
        await using var p = new DevicePair();
        Assert.NotNull(p.SendAtoB("warmup"));
        DevicePair.Settle();
        var before = Take(p.PeerAtB);
        var rng = new Random(7);
        var attacker = ChannelNetwork.Address("203.0.113.66:4444");
        for (var i = 0; i < Iterations; i++)
        {
            var type = rng.Next(6);
            var length = type switch
            {
                1 => MessageInitiation.Size,
                2 => MessageResponse.Size,
                3 => MessageCookieReply.Size,
                4 => rng.Next(MessageTransport.MinSize, 200),
                _ => rng.Next(0, 300),
            };
            var msg = new byte[length];
            rng.NextBytes(msg);
            if (type is >= 1 and <= 4 && length >= 4)
            {
                msg[0] = (byte)type;
                msg[1] = msg[2] = msg[3] = 0;
            }

            if (type == 4 && rng.Next(2) == 0)
            {
                // Aim at the live receiver index so decryption, not the index lookup, has to reject it.
                BitConverter.TryWriteBytes(msg.AsSpan(4), p.PeerAtB.Current!.LocalIndex);
            }

            p.B.HandleDatagram(attacker, msg);
        }

        await DrainAsync(p);
        Assert.Equal(before, Take(p.PeerAtB));
        Assert.Equal(0, p.TunB.DeliveredCount);
        Assert.True(p.B.Counters.InvalidMac1.Value + p.B.Counters.Malformed.Value + p.B.Counters.UnknownIndex.Value + p.B.Counters.DecryptFailed.Value + p.B.Counters.HandshakeRejected.Value + p.B.Counters.HandshakeQueueFull.Value > Iterations / 2);
        Assert.Equal("still alive", System.Text.Encoding.UTF8.GetString(PacketBuilder.UdpPayload(p.SendAtoB("still alive")!)));
    }

    [Fact]
    public async Task MutatedValidMessages_NothingEscapes_StateUnchanged()
    {
        await using var p = new DevicePair();
        p.Network.CaptureSent = true;
        Assert.NotNull(p.SendAtoB("one"));
        Assert.NotNull(p.SendBtoA("two"));
        Assert.NotNull(p.SendAtoB("three"));
        DevicePair.Settle();
        var samples = p.Network.Sent.Select(s => s.Data).ToArray();
        Assert.Contains(samples, s => s[0] == 1);
        Assert.Contains(samples, s => s[0] == 2);
        Assert.Contains(samples, s => s[0] == 4);
        p.Network.CaptureSent = false;
        var beforeA = Take(p.PeerAtA);
        var beforeB = Take(p.PeerAtB);
        var rng = new Random(11);
        var attacker = ChannelNetwork.Address("203.0.113.66:4444");
        for (var i = 0; i < Iterations; i++)
        {
            var msg = (byte[])samples[rng.Next(samples.Length)].Clone();
            switch (rng.Next(4))
            {
                case 0:
                    msg[rng.Next(msg.Length)] ^= (byte)(1 << rng.Next(8));
                    break;
                case 1:
                    for (var k = rng.Next(1, 8); k > 0; k--)
                    {
                        msg[rng.Next(msg.Length)] = (byte)rng.Next(256);
                    }

                    break;
                case 2:
                    msg = msg[..rng.Next(msg.Length)];
                    break;
                default:
                    msg = [.. msg, .. new byte[rng.Next(1, 64)]];
                    break;
            }

            // Both directions: mutated messages hit the initiator as well as the responder.
            (rng.Next(2) == 0 ? p.B : p.A).HandleDatagram(attacker, msg);
        }

        await DrainAsync(p);
        Assert.Equal(beforeA, Take(p.PeerAtA));
        Assert.Equal(beforeB, Take(p.PeerAtB));
        Assert.Equal(0, p.TunA.DeliveredCount);
        Assert.Equal(0, p.TunB.DeliveredCount);
    }

    [Fact]
    public async Task ReplayedValidMessages_FromAnotherAddress_DoNotMoveEndpointOrSession()
    {
        await using var p = new DevicePair();
        p.Network.CaptureSent = true;
        Assert.NotNull(p.SendAtoB("one"));
        Assert.NotNull(p.SendBtoA("two"));
        DevicePair.Settle();
        var samples = p.Network.Sent.ToArray();
        var before = Take(p.PeerAtB);
        var attacker = ChannelNetwork.Address("203.0.113.66:4444");
        foreach (var s in samples.Where(s => s.From.Equals(p.BindA.LocalEndpoint)))
        {
            p.B.HandleDatagram(attacker, (byte[])s.Data.Clone());
        }

        await DrainAsync(p);
        Assert.Equal(before, Take(p.PeerAtB));
        Assert.Equal(0, p.TunB.DeliveredCount);
    }

    [Fact]
    public void CookieReply_RandomBytes_NeverAccepted()
    {
        var gen = new CookieGenerator(Core.Keys.PrivateKey.Generate().PublicKey, TimeProvider.System);
        var msg = new byte[MessageInitiation.Size];
        gen.AddMacs(msg, MessageInitiation.Mac1Offset);
        var rng = new Random(3);
        for (var i = 0; i < 2000; i++)
        {
            var reply = new byte[MessageCookieReply.Size];
            rng.NextBytes(reply);
            Assert.False(gen.ConsumeReply(reply));
        }

        Assert.False(gen.HasFreshCookie);
    }

    private static async Task DrainAsync(DevicePair p)
    {
        // The handshake worker is asynchronous: wait until counters stop moving.
        long Total(Device d) => d.Counters.InvalidMac1.Value + d.Counters.HandshakeRejected.Value + d.Counters.HandshakeQueueFull.Value + d.Counters.Malformed.Value;
        var last = -1L;
        while (true)
        {
            var now = Total(p.A) + Total(p.B);
            if (now == last)
            {
                return;
            }

            last = now;
            await Task.Delay(300);
        }
    }
}
