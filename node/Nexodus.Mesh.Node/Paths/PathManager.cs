using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nexodus.Mesh.Core.Contracts;
using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.Core.Net;
using Nexodus.Mesh.Node.WireGuard;
using Nexodus.Mesh.Stun.Client;

namespace Nexodus.Mesh.Node.Paths;

/// <summary>
/// Path selection for every peer (DESIGN §3/§4): the <see cref="IBind"/> under the WireGuard <c>Device</c>. It
/// owns the UDP sockets (WireGuard, disco and STUN share them) and the relay connections, and gives each peer
/// one stable <see cref="PeerEndpoint"/> whose sends go to the peer's best path right now — its home relay at
/// first, a direct ip:port once a disco pong proves it, the relay again when the direct path stops answering.
/// <para>How the agent uses it:</para>
/// <code>
/// await using var paths = new PathManager(new PathManagerOptions { NodeKey = nodeKey, DiscoKey = discoKey,
///                                         ExcludeInterfaces = ["nexodus0"] }, logger);
/// var device = new Device(tun, paths, time, logger);      // paths IS the bind; Device.Up() opens it
/// paths.LocalReachabilityChanged += r => /* PUT /api/device/status { r.Endpoints, r.HomeRelay, r.NatMapping, r.NatFiltering } */;
/// paths.PathChanged += s => /* print "nexd: peer H path direct ip:port" or "... path relay REGION" */;
/// // on every netmap (full or delta):
/// paths.SetRelayMap(netmap.RelayMap);
/// paths.SetRelayToken(netmap.RelayAdmission.Token);        // refreshes live relay sessions in place
/// paths.SetPeers(netmap.Peers);                            // PeerInfo or PathPeer; replaces the set
/// foreach (var p in netmap.Peers) {
///     var peer = device.AddPeer(key);
///     peer.SetEndpoint(paths.EndpointFor(key));            // once; never a raw UdpEndpoint for a managed peer
///     device.AddAllowedIp(peer, ...);
/// }
/// device.Up();
/// paths.NetworkChanged();                                  // on link/address change: rediscover and re-probe
/// var snap = paths.Snapshot();                             // nexctl status/peers; Counters for metrics
/// </code>
/// Device.DisposeAsync disposes its bind, i.e. this manager; disposing twice is harmless.
/// </summary>
internal sealed partial class PathManager : IBind
{
    private readonly PathManagerOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly IBind _udp;
    private readonly PrivateKey _discoKey;
    private readonly bool _ownsDiscoKey;
    private readonly ConcurrentDictionary<PublicKey, PeerPath> _paths = new();
    private readonly ConcurrentDictionary<PublicKey, PeerPath> _byDisco = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lifecycle = new();
    private readonly StunClient _stun;
    private ITimer? _ticker;
    private Task? _discoveryLoop;
    private volatile bool _disposed;

    public PathManager(PathManagerOptions options, ILogger? logger = null)
    {
        _options = options;
        _logger = logger ?? NullLogger.Instance;
        _time = options.Time;
        _udp = options.Bind ?? new UdpBind();
        _ownsDiscoKey = options.DiscoKey is null;
        _discoKey = options.DiscoKey ?? PrivateKey.Generate();
        _stun = new StunClient(new StunTransport(this), _time);
        _relayInbox = new RelayInbox(options.RelayInboxSize);
    }

    /// <summary>Our disco public key: what control must hand to peers as this device's DiscoKey.</summary>
    public PublicKey DiscoPublicKey => _discoKey.PublicKey;

    public PublicKey NodePublicKey => _options.NodeKey.PublicKey;

    public PathCounters Counters { get; } = new();

    /// <summary>Endpoints, home relay or NAT behaviour changed (after discovery); the agent reports it to control.</summary>
    public event Action<LocalReachability>? LocalReachabilityChanged;

    /// <summary>A peer moved between direct and relay (or to another direct address).</summary>
    public event Action<PeerPathStatus>? PathChanged;

    /// <summary>
    /// Replaces the set of managed peers. Peers not in the list stop being probed (their <see cref="PeerEndpoint"/>
    /// still sends via the relay if the engine keeps using it). Endpoint or disco key changes restart probing.
    /// </summary>
    public void SetPeers(IReadOnlyList<PathPeer> peers)
    {
        var now = _time.GetUtcNow();
        var keep = new HashSet<PublicKey>();
        foreach (var info in peers)
        {
            if (info.NodeKey == NodePublicKey)
            {
                continue;
            }

            keep.Add(info.NodeKey);
            var added = !_paths.ContainsKey(info.NodeKey);
            var path = _paths.GetOrAdd(info.NodeKey, k => new PeerPath(this, k, _options));
            var oldDisco = path.DiscoKey;
            path.Update(info, now);
            if (oldDisco is { } od && !Nullable.Equals(oldDisco, info.DiscoKey))
            {
                _byDisco.TryRemove(new KeyValuePair<PublicKey, PeerPath>(od, path));
            }

            if (info.DiscoKey is { } nd)
            {
                _byDisco[nd] = path;
            }

            if (added && path.Direct is null && RelayConnectedFor(path))
            {
                // The relay is already up: the new peer is reachable through it now (no connect event will come).
                OnPathChanged(path, "new peer via relay");
            }
        }

        foreach (var (key, path) in _paths)
        {
            if (!keep.Contains(key))
            {
                _paths.TryRemove(key, out _);
                Reindex(path, removed: true);
                if (path.DiscoKey is { } d)
                {
                    _byDisco.TryRemove(new KeyValuePair<PublicKey, PeerPath>(d, path));
                }
            }
        }
    }

    /// <summary>Netmap peers; invalid entries are skipped and logged (a bad peer never breaks the others).</summary>
    public void SetPeers(IEnumerable<PeerInfo> peers)
    {
        var list = new List<PathPeer>();
        foreach (var info in peers)
        {
            var ok = PathPeer.TryFrom(info, out var peer, out var problems);
            foreach (var problem in problems)
            {
                Log.BadPeer(_logger, problem);
            }

            if (ok)
            {
                list.Add(peer);
            }
        }

        SetPeers(list);
    }

    /// <summary>
    /// The stable endpoint of the peer with <paramref name="nodeKey"/> (created if needed; a peer not yet in
    /// <see cref="SetPeers(IReadOnlyList{PathPeer})"/> is reached through our home relay).
    /// </summary>
    public PeerEndpoint EndpointFor(PublicKey nodeKey)
    {
        if (nodeKey == NodePublicKey)
        {
            throw new ArgumentException("no path to ourselves", nameof(nodeKey));
        }

        return _paths.GetOrAdd(nodeKey, k => new PeerPath(this, k, _options)).Endpoint;
    }

    /// <summary>The network changed (address, link, roaming): rediscover our endpoints and re-probe every peer now.</summary>
    public void NetworkChanged()
    {
        _natKnownFor = null;
        TriggerDiscovery();
        var now = _time.GetUtcNow();
        foreach (var path in _paths.Values)
        {
            path.Reprobe(now);
        }
    }

    /// <summary>Paths and relays at this moment.</summary>
    public PathSnapshot Snapshot()
    {
        var udpBlocked = _reachability.UdpBlocked;
        var peers = new List<PeerPathStatus>(_paths.Count);
        foreach (var path in _paths.Values)
        {
            peers.Add(StatusOf(path, udpBlocked));
        }

        return new PathSnapshot(peers, RelayStatuses(), _homeRegion < 0 ? null : _homeRegion, _reachability, Port);
    }

    /// <summary>Managed peers by path kind (for the metrics gauge).</summary>
    public (int Direct, int Relay, int None) CountPaths()
    {
        int direct = 0, relay = 0, none = 0;
        foreach (var path in _paths.Values)
        {
            if (path.Direct is not null)
            {
                direct++;
            }
            else if (RelayConnectedFor(path))
            {
                relay++;
            }
            else
            {
                none++;
            }
        }

        return (direct, relay, none);
    }

    private PeerPathStatus StatusOf(PeerPath path, bool udpBlocked) =>
        path.Status(udpBlocked, RelayConnectedFor(path), RegionFor(path) is var r && r >= 0 ? r : null);

    internal void OnPathChanged(PeerPath path, string why)
    {
        Reindex(path);
        var status = StatusOf(path, _reachability.UdpBlocked);
        Log.PathChanged(_logger, path.NodeKey.ToString(), status.Kind.ToString(), status.DirectAddress ?? "relay " + status.RelayRegion, why);
        try
        {
            PathChanged?.Invoke(status);
        }
        catch (Exception e)
        {
            Log.HandlerFailed(_logger, e, nameof(PathChanged));
        }
    }

    private void StartTicker()
    {
        lock (_lifecycle)
        {
            if (_ticker is not null || _disposed)
            {
                return;
            }

            _ticker = _time.CreateTimer(_ => Tick(), null, _options.TickInterval, _options.TickInterval);
            if (_options.Discovery)
            {
                _discoveryLoop = Task.Run(() => DiscoveryLoopAsync(_stop.Token));
            }
        }
    }

    /// <summary>One round of every peer's timers (public for tests that drive time by hand).</summary>
    internal void Tick()
    {
        if (_disposed || Port == 0)
        {
            return;
        }

        var now = _time.GetUtcNow();
        foreach (var path in _paths.Values)
        {
            try
            {
                path.Tick(now);
            }
            catch (Exception e)
            {
                Log.HandlerFailed(_logger, e, "tick");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        lock (_lifecycle)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        await _stop.CancelAsync();
        if (_ticker is not null)
        {
            await _ticker.DisposeAsync();
        }

        _udp.Close();
        _relayInbox.Close();
        if (_discoveryLoop is not null)
        {
            try
            {
                await _discoveryLoop.WaitAsync(TimeSpan.FromSeconds(5));
            }
            catch (Exception e) when (e is OperationCanceledException or TimeoutException)
            {
            }
        }

        await DisposeRelaysAsync();
        await _udp.DisposeAsync();
        if (_ownsDiscoKey)
        {
            _discoKey.Dispose();
        }

        _stop.Dispose();
    }
}
