using System.Diagnostics;
using System.Net;
using Nexodus.Mesh.Core.Contracts;
using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.Core.Net;
using Nexodus.Mesh.Node.Paths;
using Nexodus.Mesh.Node.WireGuard;
using Nexodus.Mesh.Relay.Transport;
using Nexodus.Mesh.Stun.Server;
using Nexodus.Mesh.TestDoubles.Relay;
using Nexodus.Mesh.TestDoubles.WireGuard;

namespace Nexodus.Mesh.Node.Tests.Paths;

/// <summary>
/// Real sockets on loopback: two engines over two path managers (real UDP binds), a real relay (Kestrel, TLS,
/// admission tokens) and a real STUN server. WireGuard traffic goes via the relay first, then direct, then via the
/// relay again when the direct path is cut.
/// </summary>
public sealed class LoopbackPathTests
{
    [Fact]
    public async Task TwoEngines_RelayFirst_ThenDirect_ThenRelayWhenDirectCut()
    {
        using var issuer = new TestTokenIssuer();
        await using var relay = await RelayTestServer.StartAsync(issuer);
        await using var stun = new StunServer(new StunServerOptions { Listen = new IPEndPoint(IPAddress.Loopback, 0) });
        stun.Start();
        var stunPort = stun.LocalEndPoint.Port;
        var vpc = Guid.NewGuid();
        var map = new RelayMap
        {
            Regions =
            [
                new RelayRegionInfo
                {
                    RegionId = 1,
                    Code = "lo",
                    Nodes =
                    [
                        new RelayNodeInfo
                        {
                            HostName = "127.0.0.1",
                            RelayPort = relay.RelayUrl.Port,
                            StunPort = stunPort,
                            PublicKey = relay.Key.PublicKey.ToString(),
                            CertificateSha256 = TlsTrust.Sha256Of(relay.Certificate),
                        },
                    ],
                },
            ],
        };

        await using var a = new Node(map, issuer, vpc, stunPort);
        await using var b = new Node(map, issuer, vpc, stunPort);
        a.Connect(b);
        b.Connect(a);
        Assert.True(SpinWait.SpinUntil(() => a.Paths.Snapshot().Relays is [{ Connected: true }] && b.Paths.Snapshot().Relays is [{ Connected: true }], TimeSpan.FromSeconds(15)), "relays connected");

        // UDP between the peers is cut at first: the first packet must go through the relay.
        var clock = Stopwatch.StartNew();
        Assert.True(a.SendTo(b, "via relay"), "first packet via relay");
        var firstPacket = clock.Elapsed;
        Assert.True(a.Paths.Counters.RelayPacketsSent > 0);
        Assert.True(b.Paths.Counters.RelayPacketsReceived > 0);
        Assert.Equal(PathKind.Relay, a.Status().Kind);

        // STUN answers came back on the data socket and were claimed there.
        Assert.True(SpinWait.SpinUntil(() => a.Paths.Counters.StunClaimed > 0, TimeSpan.FromSeconds(10)), "STUN through the data socket");
        Assert.Contains($"127.0.0.1:{a.Paths.Port}", a.Paths.Reachability.Endpoints);
        Assert.False(a.Paths.Reachability.UdpBlocked);
        Assert.Equal(1, a.Paths.Reachability.HomeRelay);

        // Open UDP and tell both sides the network changed: a direct path within 2 s.
        a.Bind.Drop = null;
        b.Bind.Drop = null;
        clock.Restart();
        a.Paths.NetworkChanged();
        b.Paths.NetworkChanged();
        Assert.True(SpinWait.SpinUntil(() => a.Status().Kind == PathKind.Direct && b.Status().Kind == PathKind.Direct, TimeSpan.FromSeconds(10)), "direct: " + a.Status());
        var toDirect = clock.Elapsed;
        Assert.Equal($"127.0.0.1:{b.Paths.Port}", a.Status().DirectAddress);
        var relayed = a.Paths.Counters.RelayPacketsSent;
        for (var i = 0; i < 20; i++)
        {
            Assert.True(a.SendTo(b, "direct " + i));
            Assert.True(b.SendTo(a, "back " + i));
        }

        Assert.Equal(relayed, a.Paths.Counters.RelayPacketsSent);

        // Cut the direct path: traffic continues through the relay within 3 s.
        a.Bind.Drop = to => to is UdpEndpoint u && u.Address.Port == b.Paths.Port;
        b.Bind.Drop = to => to is UdpEndpoint u && u.Address.Port == a.Paths.Port;
        clock.Restart();
        Assert.True(SpinWait.SpinUntil(() => a.Status().Kind == PathKind.Relay, TimeSpan.FromSeconds(10)), "fallback");
        var toFallback = clock.Elapsed;
        Assert.True(a.SendTo(b, "relay again"), "traffic after the cut");
        Assert.True(a.Paths.Counters.RelayPacketsSent > relayed);
        Assert.True(toFallback < TimeSpan.FromSeconds(3), $"fallback took {toFallback}");
        Console.WriteLine($"loopback paths: first packet via relay {firstPacket.TotalMilliseconds:0} ms, direct after network change {toDirect.TotalMilliseconds:0} ms, fallback after cut {toFallback.TotalMilliseconds:0} ms");
    }

    private sealed class Node : IAsyncDisposable
    {
        private static int _nextIndex;
        private readonly int _index = Interlocked.Increment(ref _nextIndex);

        public Node(RelayMap map, TestTokenIssuer issuer, Guid vpc, int stunPort)
        {
            Bind = new GatedBind(new UdpBind()) { Drop = to => to is UdpEndpoint u && u.Address.Port != stunPort };
            Paths = new PathManager(new PathManagerOptions { NodeKey = Key, Bind = Bind, LocalAddresses = () => [IPAddress.Loopback] });
            Device = new Device(Tun, Paths);
            Device.SetPrivateKey(Key);
            Paths.SetRelayMap(map);
            Paths.SetRelayToken(issuer.Issue(Key.PublicKey, [vpc]));
            Device.Up();
        }

        public PrivateKey Key { get; } = PrivateKey.Generate();

        public GatedBind Bind { get; }

        public PathManager Paths { get; }

        public Device Device { get; }

        public ChannelTun Tun { get; } = new("lo-test");

        public string TunnelAddress => $"10.77.0.{_index % 250 + 1}";

        private PublicKey PeerKey { get; set; }

        public void Connect(Node other)
        {
            PeerKey = other.Key.PublicKey;
            Paths.SetPeers([new PathPeer(other.Key.PublicKey, other.Paths.DiscoPublicKey, [new IPEndPoint(IPAddress.Loopback, other.Paths.Port)], 1)]);
            var peer = Device.AddPeer(other.Key.PublicKey);
            peer.SetEndpoint(Paths.EndpointFor(other.Key.PublicKey));
            Device.AddAllowedIp(peer, IPNetwork.Parse(other.TunnelAddress + "/32"));
        }

        public PeerPathStatus Status() => Paths.Snapshot().Peers.Single(p => p.NodeKey == PeerKey);

        public bool SendTo(Node other, string text)
        {
            var payload = System.Text.Encoding.UTF8.GetBytes(text);
            Tun.SendToTunnel(PacketBuilder.Udp(TunnelAddress, other.TunnelAddress, 1000, 2000, payload));
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (DateTime.UtcNow < deadline)
            {
                if (other.Tun.TryReceiveFromTunnel(out var p, TimeSpan.FromMilliseconds(100)) && p.AsSpan().EndsWith(payload))
                {
                    return true;
                }
            }

            return false;
        }

        public async ValueTask DisposeAsync() => await Device.DisposeAsync();
    }
}
