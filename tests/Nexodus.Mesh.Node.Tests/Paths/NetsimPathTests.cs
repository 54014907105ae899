using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Nexodus.Mesh.Core.Contracts;
using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.Netsim;
using Nexodus.Mesh.Netsim.Scenarios;
using Nexodus.Mesh.Node.Paths;
using Nexodus.Mesh.Node.WireGuard;
using Nexodus.Mesh.Relay.Server;
using Nexodus.Mesh.Relay.Transport;
using Nexodus.Mesh.Stun.Server;
using Nexodus.Mesh.TestDoubles;
using Nexodus.Mesh.TestDoubles.Relay;
using Nexodus.Mesh.TestDoubles.WireGuard;

namespace Nexodus.Mesh.Node.Tests.Paths;

/// <summary>
/// One NAT pair in netsim (real kernel NAT): alice and bob each run an engine over a path manager whose UDP
/// sockets and relay TCP socket live in their host's namespace; relay (TLS, port 443) and STUN run in the public
/// host <c>relay</c>. The path must match the hole-punching model netsim verified with real packets.
/// </summary>
public sealed class NetsimPathTests
{
    private static readonly IPAddress RelayAddress = IPAddress.Parse("203.0.113.30");

    [RootTheory]
    [InlineData("eim-eif", "apdm-apdf")]
    [InlineData("eim-apdf", "eim-apdf")]
    [InlineData("eim-apdf", "apdm-apdf")]
    public async Task NatPair_PathMatchesHolePunchModel(string natA, string natB)
    {
        var specA = NatSpec.Parse(natA);
        var specB = NatSpec.Parse(natB);
        var direct = HolePunch.Predict(specA, specB);
        await using var lab = await Lab.StartAsync(ScenarioTemplates.TwoSites(specA, specB));
        var relayHost = lab.Host("relay");
        using var issuer = new TestTokenIssuer();
        using var relayKey = PrivateKey.Generate();
        using var certificate = DevCertificate.Create();
        await using var relay = await RelayHost.StartAsync(
            new RelayHostOptions { ListenSocket = relayHost.OpenTcpListener(new IPEndPoint(RelayAddress, 443)), Certificate = certificate, ControlJwksJson = issuer.JwksJson },
            new RelayServerOptions { PrivateKey = relayKey });
        await using var stun = new StunServer(new StunServerOptions { Listen = new IPEndPoint(RelayAddress, 3478) });
        await relayHost.RunAsync(stun.Start);
        var map = new RelayMap
        {
            Regions =
            [
                new RelayRegionInfo
                {
                    RegionId = 1,
                    Code = "sim",
                    Nodes = [new RelayNodeInfo { HostName = RelayAddress.ToString(), RelayPort = 443, StunPort = 3478, PublicKey = relayKey.PublicKey.ToString(), CertificateSha256 = TlsTrust.Sha256Of(certificate) }],
                },
            ],
        };
        var vpc = Guid.NewGuid();
        await using var alice = await SimNode.StartAsync(lab.Host("alice"), map, issuer.Issue, vpc, "10.88.0.1");
        await using var bob = await SimNode.StartAsync(lab.Host("bob"), map, issuer.Issue, vpc, "10.88.0.2");

        // Control would hand each node the other's reported endpoints: wait for STUN to have found them.
        Assert.True(SpinWait.SpinUntil(() => HasReflexive(alice) && HasReflexive(bob), TimeSpan.FromSeconds(15)), "reflexive endpoints");
        Assert.True(SpinWait.SpinUntil(() => alice.Paths.Snapshot().Relays is [{ Connected: true }] && bob.Paths.Snapshot().Relays is [{ Connected: true }], TimeSpan.FromSeconds(20)), "relays connected");
        var clock = Stopwatch.StartNew();
        alice.Connect(bob);
        bob.Connect(alice);
        Assert.True(alice.SendTo(bob, "hello"), "first packet");
        var firstPacket = clock.Elapsed;
        Assert.True(firstPacket < TimeSpan.FromSeconds(1), $"first packet after {firstPacket}");

        if (direct)
        {
            Assert.True(SpinWait.SpinUntil(() => alice.Status().Kind == PathKind.Direct && bob.Status().Kind == PathKind.Direct, TimeSpan.FromSeconds(15)), $"direct expected: {alice.Status()} / {bob.Status()}");
            var toDirect = clock.Elapsed;
            var relayed = alice.Paths.Counters.RelayPacketsSent;
            Assert.True(alice.SendTo(bob, "direct"));
            Assert.True(bob.SendTo(alice, "direct back"));
            Assert.Equal(relayed, alice.Paths.Counters.RelayPacketsSent);
            Console.WriteLine($"netsim {natA} x {natB}: direct ({alice.Status().DirectAddress} / {bob.Status().DirectAddress}), first packet {firstPacket.TotalMilliseconds:0} ms, direct after {toDirect.TotalMilliseconds:0} ms");
        }
        else
        {
            Thread.Sleep(TimeSpan.FromSeconds(6));
            Assert.Equal(PathKind.Relay, alice.Status().Kind);
            Assert.Equal(PathKind.Relay, bob.Status().Kind);
            Assert.Equal("no pong from candidates", alice.Status().NotDirectReason);
            Assert.True(alice.SendTo(bob, "still relay"));
            Assert.True(bob.SendTo(alice, "relay back"));
            Console.WriteLine($"netsim {natA} x {natB}: relay (as predicted), first packet {firstPacket.TotalMilliseconds:0} ms");
        }
    }

    private static bool HasReflexive(SimNode node) => node.Paths.Reachability.Endpoints.Any(e => e.StartsWith("203.0.113.", StringComparison.Ordinal));

    private sealed class SimNode : IAsyncDisposable
    {
        private SimNode(LabHost host, PrivateKey key, PathManager paths, string tunnelAddress)
        {
            Host = host;
            Key = key;
            Paths = paths;
            TunnelAddress = tunnelAddress;
            Device = new Device(Tun, paths);
            Device.SetPrivateKey(Key);
        }

        public LabHost Host { get; }

        public PrivateKey Key { get; }

        public PathManager Paths { get; }

        public Device Device { get; }

        public ChannelTun Tun { get; } = new("sim");

        public string TunnelAddress { get; }

        private PublicKey PeerKey { get; set; }

        public static async Task<SimNode> StartAsync(LabHost host, RelayMap map, Func<PublicKey, IEnumerable<Guid>, TimeSpan?, DateTimeOffset?, string, string, string?, string[]?, string> issue, Guid vpc, string tunnelAddress)
        {
            var key = PrivateKey.Generate();
            var node = new SimNode(
                host,
                key,
                new PathManager(new PathManagerOptions
                {
                    NodeKey = key,
                    LocalAddresses = () => [host.Address],
                    RelaySocketFactory = () => host.OpenSocket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp),
                    NatBehaviorDiscovery = false, // its own socket would be made outside the namespace
                }),
                tunnelAddress);
            node.Paths.SetRelayMap(map);
            node.Paths.SetRelayToken(issue(node.Key.PublicKey, [vpc], null, null, "nexodus-relay", "nexodus-relay+jwt", null, null));
            await host.RunAsync(node.Device.Up); // the UDP sockets are created in the host's namespace
            return node;
        }

        public void Connect(SimNode other)
        {
            PeerKey = other.Key.PublicKey;
            var endpoints = other.Paths.Reachability.Endpoints.Select(IPEndPoint.Parse).ToList();
            Paths.SetPeers([new PathPeer(other.Key.PublicKey, other.Paths.DiscoPublicKey, endpoints, 1)]);
            var peer = Device.AddPeer(other.Key.PublicKey);
            peer.SetEndpoint(Paths.EndpointFor(other.Key.PublicKey));
            Device.AddAllowedIp(peer, IPNetwork.Parse(other.TunnelAddress + "/32"));
        }

        public PeerPathStatus Status() => Paths.Snapshot().Peers.Single(p => p.NodeKey == PeerKey);

        public bool SendTo(SimNode other, string text)
        {
            var payload = System.Text.Encoding.UTF8.GetBytes(text);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (DateTime.UtcNow < deadline)
            {
                Tun.SendToTunnel(PacketBuilder.Udp(TunnelAddress, other.TunnelAddress, 1000, 2000, payload));
                if (other.Tun.TryReceiveFromTunnel(out var p, TimeSpan.FromMilliseconds(500)) && p.AsSpan().EndsWith(payload))
                {
                    return true;
                }
            }

            return false;
        }

        public async ValueTask DisposeAsync() => await Device.DisposeAsync();
    }
}
