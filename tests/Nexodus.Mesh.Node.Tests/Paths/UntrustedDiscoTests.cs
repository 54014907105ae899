using System.Net;
using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.Core.Net;
using Nexodus.Mesh.Node.Disco;
using Nexodus.Mesh.Node.Paths;
using Nexodus.Mesh.Node.Tests.Disco;

namespace Nexodus.Mesh.Node.Tests.Paths;

/// <summary>Unauthenticated disco never changes path state: it is dropped with a counter.</summary>
public sealed class UntrustedDiscoTests
{
    [Fact]
    public async Task ForgedAndMutatedDisco_FromPeerAddress_DroppedAndStateUnchanged()
    {
        await using var pair = new PathPair();
        pair.CutUdp(); // nothing genuine gets through: only what the test injects
        var from = new UdpEndpoint(IPEndPoint.Parse(PathPair.AddressB));
        using var mallory = PrivateKey.Generate();
        var tx = DiscoTxId.NewRandom();
        var rng = new Random(7);
        var seeds = new[]
        {
            // Mallory signs with her own disco key but claims B's node key, or a pong for a txid A never sent.
            DiscoPacket.Seal(mallory, pair.DiscoA.PublicKey, new DiscoPing(tx, pair.KeyB.PublicKey)),
            DiscoPacket.Seal(pair.DiscoB, pair.DiscoA.PublicKey, new DiscoPong(tx, IPEndPoint.Parse(PathPair.AddressA))),
            DiscoPacket.Seal(pair.DiscoB, mallory.PublicKey, new DiscoCallMeMaybe([IPEndPoint.Parse("203.0.113.66:1")])),
        };

        var injected = 0;
        foreach (var seed in seeds)
        {
            pair.BindA.Inject(from, seed);
            injected++;
        }

        for (var i = 0; i < 3_000; i++)
        {
            var datagram = DiscoCodecTests.Mutate(seeds[rng.Next(seeds.Length)], rng);
            if (datagram.Length > 0)
            {
                pair.BindA.Inject(from, datagram);
                injected++;
            }
        }

        // Every datagram is either claimed as disco (and dropped) or handed to WireGuard (and dropped there).
        Assert.True(SpinWait.SpinUntil(() => pair.PathsA.Counters.DiscoDroppedTotal + pair.A.Counters.Malformed.Value + pair.A.Counters.UnknownIndex.Value >= injected, TimeSpan.FromSeconds(20)));
        var status = pair.StatusAtA();
        Assert.Equal(PathKind.Relay, status.Kind);
        Assert.Null(status.LastPong);
        Assert.Equal(1, status.Candidates);
        Assert.Equal(0, pair.PathsA.Counters.PongsSent);
        Assert.Equal(0, pair.PathsA.Counters.DirectSwitches);
        Assert.True(pair.PathsA.Counters.DiscoDropped(DiscoDropReason.UnknownSender) >= 1);
        Assert.True(pair.PathsA.Counters.DiscoDropped(DiscoDropReason.UnknownTxId) >= 1);
        Assert.True(pair.PathsA.Counters.DiscoDropped(DiscoDropReason.BadSeal) >= 1);
    }
}
