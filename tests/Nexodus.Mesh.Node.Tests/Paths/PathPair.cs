using System.Net;
using Microsoft.Extensions.Time.Testing;
using Nexodus.Mesh.Core.Contracts;
using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.Node.Paths;
using Nexodus.Mesh.Node.WireGuard;
using Nexodus.Mesh.TestDoubles.WireGuard;

namespace Nexodus.Mesh.Node.Tests.Paths;

/// <summary>
/// Two engines, each over a <see cref="PathManager"/> on an in-memory UDP network and an in-memory relay, on one
/// fake clock. A is 192.0.2.1:41641, B is 198.51.100.2:41641; each knows the other's address as its only candidate.
/// </summary>
internal sealed class PathPair : IAsyncDisposable
{
    public const string AddressA = "192.0.2.1:41641";
    public const string AddressB = "198.51.100.2:41641";

    public PathPair(bool candidates = true, bool discoKeys = true, bool advertise = true)
    {
        BindA = Network.CreateBind(AddressA);
        BindB = Network.CreateBind(AddressB);
        PathsA = NewManager(KeyA, DiscoA, BindA, advertise ? "192.0.2.1" : null);
        PathsB = NewManager(KeyB, DiscoB, BindB, advertise ? "198.51.100.2" : null);
        A = new Device(TunA, PathsA, Time);
        B = new Device(TunB, PathsB, Time);
        A.SetPrivateKey(KeyA);
        B.SetPrivateKey(KeyB);
        PeerAtA = A.AddPeer(KeyB.PublicKey);
        PeerAtB = B.AddPeer(KeyA.PublicKey);
        A.AddAllowedIp(PeerAtA, IPNetwork.Parse("10.9.0.2/32"));
        B.AddAllowedIp(PeerAtB, IPNetwork.Parse("10.9.0.1/32"));
        var map = new RelayMap { Regions = [new RelayRegionInfo { RegionId = 7, Code = "test", Nodes = [new RelayNodeInfo { HostName = "relay.test", RelayPort = 443 }] }] };
        foreach (var paths in new[] { PathsA, PathsB })
        {
            paths.SetRelayMap(map);
            paths.SetRelayToken("token-1");
        }

        PathsA.SetPeers([new PathPeer(KeyB.PublicKey, discoKeys ? DiscoB.PublicKey : null, candidates ? [IPEndPoint.Parse(AddressB)] : [], 7)]);
        PathsB.SetPeers([new PathPeer(KeyA.PublicKey, discoKeys ? DiscoA.PublicKey : null, candidates ? [IPEndPoint.Parse(AddressA)] : [], 7)]);
        PeerAtA.SetEndpoint(PathsA.EndpointFor(KeyB.PublicKey));
        PeerAtB.SetEndpoint(PathsB.EndpointFor(KeyA.PublicKey));
        A.Up();
        B.Up();
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public ChannelNetwork Network { get; } = new();

    public InMemoryRelayHub Relay { get; } = new();

    public ChannelBind BindA { get; }

    public ChannelBind BindB { get; }

    public ChannelTun TunA { get; } = new("a0");

    public ChannelTun TunB { get; } = new("b0");

    public PrivateKey KeyA { get; } = PrivateKey.Generate();

    public PrivateKey KeyB { get; } = PrivateKey.Generate();

    public PrivateKey DiscoA { get; } = PrivateKey.Generate();

    public PrivateKey DiscoB { get; } = PrivateKey.Generate();

    public PathManager PathsA { get; }

    public PathManager PathsB { get; }

    public Device A { get; }

    public Device B { get; }

    public Peer PeerAtA { get; }

    public Peer PeerAtB { get; }

    private PathManager NewManager(PrivateKey key, PrivateKey disco, ChannelBind bind, string? local) =>
        new(new PathManagerOptions
        {
            NodeKey = key,
            DiscoKey = disco,
            Time = Time,
            Bind = bind,
            RelayFactory = Relay.Connect,
            LocalAddresses = () => local is null ? [] : [IPAddress.Parse(local)],
            Discovery = false,
        });

    public PeerPathStatus StatusAtA() => PathsA.Snapshot().Peers.Single();

    public PeerPathStatus StatusAtB() => PathsB.Snapshot().Peers.Single();

    public void CutUdp() => Network.Filter = (_, _, _) => false;

    public void RestoreUdp() => Network.Filter = null;

    /// <summary>Sends from A's host through the tunnel; what B's host got, or null.</summary>
    public byte[]? SendAtoB(string text, TimeSpan? timeout = null)
    {
        TunA.SendToTunnel(PacketBuilder.Udp("10.9.0.1", "10.9.0.2", 1000, 2000, System.Text.Encoding.UTF8.GetBytes(text)));
        return TunB.TryReceiveFromTunnel(out var p, timeout ?? TimeSpan.FromSeconds(10)) ? p : null;
    }

    /// <summary>Advances the fake clock in tick-sized steps until <paramref name="condition"/> holds; returns the fake time it took (null = never within <paramref name="limit"/>).</summary>
    public TimeSpan? AdvanceUntil(Func<bool> condition, TimeSpan limit, TimeSpan? step = null)
    {
        var s = step ?? TimeSpan.FromMilliseconds(250);
        var elapsed = TimeSpan.Zero;
        while (elapsed <= limit)
        {
            // The receive threads are real: give them a moment to process what the last tick sent.
            if (SpinWait.SpinUntil(condition, TimeSpan.FromMilliseconds(200)))
            {
                return elapsed;
            }

            Time.Advance(s);
            elapsed += s;
        }

        return condition() ? elapsed : null;
    }

    public async ValueTask DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
    }
}
