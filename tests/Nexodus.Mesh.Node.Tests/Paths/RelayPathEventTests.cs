using System.Net;
using Microsoft.Extensions.Time.Testing;
using Nexodus.Mesh.Core.Contracts;
using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.Node.Paths;
using Nexodus.Mesh.TestDoubles.WireGuard;

namespace Nexodus.Mesh.Node.Tests.Paths;

/// <summary>
/// A peer that never goes direct still gets a path event once the relay can reach it — without one the agent printed
/// no path at all for relay-only peers (found by the end-to-end grid).
/// </summary>
public sealed class RelayPathEventTests
{
    private static readonly RelayMap Map = new()
    {
        Regions = [new RelayRegionInfo { RegionId = 7, Code = "test", Nodes = [new RelayNodeInfo { HostName = "relay.test", RelayPort = 443 }] }],
    };

    [Fact]
    public async Task SetPeers_RelayAlreadyConnected_ReportsRelayPath()
    {
        using var key = PrivateKey.Generate();
        using var peer = PrivateKey.Generate();
        await using var paths = NewManager(key, new InMemoryRelayHub());
        var events = new List<PeerPathStatus>();
        paths.PathChanged += events.Add;
        paths.SetRelayMap(Map);
        paths.SetRelayToken("token-1");

        paths.SetPeers([new PathPeer(peer.PublicKey, null, [], 7)]);

        var e = Assert.Single(events);
        Assert.Equal(peer.PublicKey, e.NodeKey);
        Assert.Equal(PathKind.Relay, e.Kind);
        Assert.Equal(7, e.RelayRegion);
    }

    [Fact]
    public async Task RelayConnects_AfterPeersKnown_ReportsRelayPathForEach()
    {
        using var key = PrivateKey.Generate();
        using var p1 = PrivateKey.Generate();
        using var p2 = PrivateKey.Generate();
        await using var paths = NewManager(key, new InMemoryRelayHub());
        var events = new List<PeerPathStatus>();
        paths.PathChanged += events.Add;
        paths.SetPeers([new PathPeer(p1.PublicKey, null, [], 7), new PathPeer(p2.PublicKey, null, [], 7)]);
        Assert.Empty(events); // no relay yet: nothing can reach them

        paths.SetRelayMap(Map);
        paths.SetRelayToken("token-1"); // the in-memory relay connects at once

        Assert.Equal(2, events.Count);
        Assert.All(events, e => Assert.Equal(PathKind.Relay, e.Kind));
        Assert.Equal(new[] { p1.PublicKey, p2.PublicKey }.OrderBy(k => k.ToString()), events.Select(e => e.NodeKey).OrderBy(k => k.ToString()));
    }

    private static PathManager NewManager(PrivateKey key, InMemoryRelayHub hub) =>
        new(new PathManagerOptions
        {
            NodeKey = key,
            Time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)),
            Bind = new ChannelNetwork().CreateBind("192.0.2.1:41641"),
            RelayFactory = hub.Connect,
            LocalAddresses = () => [IPAddress.Parse("192.0.2.1")],
            Discovery = false,
        });
}
