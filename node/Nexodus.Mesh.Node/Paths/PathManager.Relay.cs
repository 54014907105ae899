using System.Globalization;
using Nexodus.Mesh.Core.Contracts;
using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.Relay.Transport;

namespace Nexodus.Mesh.Node.Paths;

/// <summary>
/// Relay connections: one per region in use — our home region always (so peers can reach us), a peer's home
/// region when it differs, made on first use. The admission token is refreshed in place on live sessions.
/// </summary>
internal sealed partial class PathManager
{
    private readonly Lock _relaySync = new();
    private readonly Dictionary<int, IRelayConnection> _relays = [];
    private readonly Dictionary<int, RelayConnectionSettings> _relaySettings = [];
    private volatile RelayMap _relayMap = new();
    private volatile string _token = "";
    private volatile int _homeRegion = -1;

    /// <summary>Region ids of the relay map, read without a lock on the send path.</summary>
    private volatile HashSet<int> _regionIds = [];
    private readonly TaskCompletionSource _tokenSet = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Our home region id (latency-chosen), null before the relay map arrives.</summary>
    public int? HomeRegion => _homeRegion < 0 ? null : _homeRegion;

    /// <summary>
    /// The relay map names a home region but its session is not up yet: peers cannot reach us through it. False
    /// without a relay map (a VPC without relays has nothing to wait for).
    /// </summary>
    public bool HomeRelayPending
    {
        get
        {
            lock (_relaySync)
            {
                var home = _homeRegion;
                return _relaySettings.Count > 0 && !(home >= 0 && _relays.TryGetValue(home, out var conn) && conn.IsConnected);
            }
        }
    }

    /// <summary>A relay session (any region) completed its handshake with the relay.</summary>
    public event Action? RelayConnected;

    /// <summary>
    /// Applies the relay map. Regions that vanished or whose chosen relay changed (URL, key, pin) are
    /// disconnected; the home region is kept if still present, else the first one until latency probing decides.
    /// </summary>
    public void SetRelayMap(RelayMap map)
    {
        List<IRelayConnection> stale = [];
        lock (_relaySync)
        {
            _relayMap = map;
            var wanted = new Dictionary<int, RelayConnectionSettings>();
            foreach (var region in map.Regions)
            {
                if (TrySettingsFor(region, out var settings))
                {
                    wanted[region.RegionId] = settings;
                }
            }

            foreach (var (id, conn) in _relays.ToList())
            {
                if (!wanted.TryGetValue(id, out var now) || !SameRelay(now, _relaySettings[id]))
                {
                    _relays.Remove(id);
                    _relaySettings.Remove(id);
                    stale.Add(conn);
                }
            }

            foreach (var (id, settings) in wanted)
            {
                _relaySettings.TryAdd(id, settings);
            }

            _regionIds = [.. wanted.Keys];

            foreach (var id in _relaySettings.Keys.ToList())
            {
                if (!wanted.ContainsKey(id))
                {
                    _relaySettings.Remove(id);
                }
            }

            if (_homeRegion < 0 || !wanted.ContainsKey(_homeRegion))
            {
                _homeRegion = map.Regions.Count > 0 && wanted.Count > 0 ? wanted.Keys.Min() : -1;
            }

            EnsureHomeLocked();
        }

        foreach (var conn in stale)
        {
            _ = conn.DisposeAsync().AsTask();
        }

        TriggerDiscovery();
    }

    /// <summary>The relay admission JWT from the netmap; presented on every (re)connect and pushed to live sessions.</summary>
    public void SetRelayToken(string token)
    {
        if (string.IsNullOrEmpty(token) || token == _token)
        {
            return;
        }

        _token = token;
        _tokenSet.TrySetResult();
        List<IRelayConnection> live;
        lock (_relaySync)
        {
            live = [.. _relays.Values];
            EnsureHomeLocked();
        }

        foreach (var conn in live)
        {
            conn.UpdateToken(token);
        }
    }

    private void EnsureHomeLocked()
    {
        if (_homeRegion >= 0 && _token.Length > 0 && !_disposed)
        {
            GetOrCreateRelayLocked(_homeRegion);
        }
    }

    private static bool SameRelay(RelayConnectionSettings a, RelayConnectionSettings b) =>
        a.Url == b.Url && Nullable.Equals(a.ServerKey, b.ServerKey) && a.Trust.PinnedSha256.SequenceEqual(b.Trust.PinnedSha256);

    private bool TrySettingsFor(RelayRegionInfo region, out RelayConnectionSettings settings)
    {
        settings = null!;
        foreach (var node in region.Nodes)
        {
            var host = !string.IsNullOrEmpty(node.HostName) ? node.HostName : node.Ipv4 ?? node.Ipv6;
            if (string.IsNullOrEmpty(host) || node.RelayPort is <= 0 or > 65535)
            {
                continue;
            }

            if (host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('['))
            {
                host = "[" + host + "]";
            }

            if (!Uri.TryCreate(string.Create(CultureInfo.InvariantCulture, $"https://{host}:{node.RelayPort}/relay"), UriKind.Absolute, out var url))
            {
                continue;
            }

            PublicKey? serverKey = PublicKey.TryParse(node.PublicKey, out var k) ? k : null;
            var trust = string.IsNullOrEmpty(node.CertificateSha256) ? TlsTrust.System : TlsTrust.Pin(node.CertificateSha256);
            settings = new RelayConnectionSettings(region.RegionId, region.Code, url, serverKey, trust, _options.NodeKey, ProvideTokenAsync, OnRelayPacket, OnRelayConnected)
            {
                OnPeerPresent = OnRelayPeerPresent,
            };
            return true;
        }

        return false;
    }

    private async ValueTask<string> ProvideTokenAsync(CancellationToken cancellationToken)
    {
        await _tokenSet.Task.WaitAsync(cancellationToken);
        return _token;
    }

    private void OnRelayConnected()
    {
        // A (re)connected relay is a good moment to try direct paths again (call-me-maybe needs it). Peers not
        // direct are reachable through it from now on: say so, or a peer that never goes direct never gets a path
        // event at all (the agent prints "path relay" from it, and a relay-only peer looked pathless).
        var now = _time.GetUtcNow();
        foreach (var path in _paths.Values)
        {
            if (path.Direct is null)
            {
                path.Reprobe(now);
                if (RelayConnectedFor(path))
                {
                    OnPathChanged(path, "relay connected");
                }
            }
        }

        RelayConnected?.Invoke();
        _ = MeasureOnlyRelayOnConnectAsync();
    }

    private async Task MeasureOnlyRelayOnConnectAsync()
    {
        try
        {
            await MeasureOnlyRelayAsync(_stop.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
            // Shutting down.
        }
    }

    private void OnRelayPeerPresent(PublicKey key)
    {
        // Until the peer was on the relay, what we sent it there was dropped (a first handshake among them): tell
        // the agent the relay path works now, so it resends at once instead of after the 5 s retransmit.
        if (_paths.TryGetValue(key, out var path) && path.Direct is null && RelayConnectedFor(path))
        {
            OnPathChanged(path, "peer joined the relay");
        }
    }

    private int RegionFor(PeerPath path) => path.HomeRelay is { } r && _regionIds.Contains(r) ? r : _homeRegion;

    /// <summary>The connection that reaches <paramref name="path"/>'s peer, created on first use; null when there is none.</summary>
    private IRelayConnection? RelayFor(PeerPath path)
    {
        var region = RegionFor(path);
        if (region < 0)
        {
            return null;
        }

        lock (_relaySync)
        {
            return _relays.TryGetValue(region, out var conn) ? conn : GetOrCreateRelayLocked(region);
        }
    }

    private IRelayConnection? GetOrCreateRelayLocked(int region)
    {
        if (_relays.TryGetValue(region, out var conn))
        {
            return conn;
        }

        if (_disposed || !_relaySettings.TryGetValue(region, out var settings))
        {
            return null;
        }

        conn = _options.RelayFactory?.Invoke(settings) ?? new RelayConnection(settings, TimeProvider.System, _logger, _options.RelaySocketFactory);
        _relays[region] = conn;
        conn.Start();
        Log.RelayStarted(_logger, region, settings.Url.ToString());
        return conn;
    }

    private bool RelayConnectedFor(PeerPath path)
    {
        var region = RegionFor(path);
        lock (_relaySync)
        {
            return _relays.TryGetValue(region, out var conn) && conn.IsConnected;
        }
    }

    private List<RelayStatus> RelayStatuses()
    {
        lock (_relaySync)
        {
            var list = new List<RelayStatus>(_relays.Count);
            foreach (var (id, conn) in _relays)
            {
                var s = _relaySettings.GetValueOrDefault(id);
                var latency = _relayLatencies.GetValueOrDefault(id.ToString(System.Globalization.CultureInfo.InvariantCulture));
                list.Add(new RelayStatus(id, s?.Code ?? "", s?.Url.ToString() ?? "", id == _homeRegion, conn.IsConnected, conn.LastError, latency));
            }

            return list;
        }
    }

    private async Task DisposeRelaysAsync()
    {
        List<IRelayConnection> all;
        lock (_relaySync)
        {
            all = [.. _relays.Values];
            _relays.Clear();
        }

        foreach (var conn in all)
        {
            await conn.DisposeAsync();
        }
    }
}
