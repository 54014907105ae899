using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.Node.Agent;
using Nexodus.Mesh.Node.Paths;
using Nexodus.Mesh.Node.WireGuard;
using Prometheus;

namespace Nexodus.Mesh.Node.Metrics;

/// <summary>
/// The agent's Prometheus families in a registry of their own (no process/default collectors mixed in). Values are
/// pulled from the engine's, path manager's and filter's interlocked counters right before each scrape, so the data
/// path never touches prometheus-net.
/// </summary>
internal sealed class AgentMetrics
{
    private static readonly string[] PathLabels = ["direct", "relay", "none"];

    private readonly IAgentMetricsSource _source;
    private readonly Gauge _state;
    private readonly Gauge _controlConnected;
    private readonly Gauge _peers;
    private readonly Counter _handshakes;
    private readonly Counter _rxBytes;
    private readonly Counter _txBytes;
    private readonly Counter _drops;
    private readonly Counter _filterDrops;
    private readonly Counter _pathSwitches;
    private readonly Lock _sync = new();

    // Bytes of peers that were removed: the totals stay monotonic when a peer leaves the netmap.
    private readonly Dictionary<PublicKey, (long Rx, long Tx)> _lastBytes = [];
    private long _retiredRx;
    private long _retiredTx;

    public AgentMetrics(IAgentMetricsSource source)
    {
        _source = source;
        Registry = Prometheus.Metrics.NewCustomRegistry();
        var factory = Prometheus.Metrics.WithCustomRegistry(Registry);
        _state = factory.CreateGauge("nexd_state", "1 for the agent's current state, 0 for the others.", "state");
        _controlConnected = factory.CreateGauge("nexd_control_connected", "1 while the netmap stream to control is connected.");
        _peers = factory.CreateGauge("nexd_peers", "Peers by current path kind.", "path");
        _handshakes = factory.CreateCounter("nexd_handshakes_total", "WireGuard handshakes completed (a keypair derived, either role).");
        _rxBytes = factory.CreateCounter("nexd_rx_bytes_total", "WireGuard bytes received from peers (as wg show reports them).");
        _txBytes = factory.CreateCounter("nexd_tx_bytes_total", "WireGuard bytes sent to peers (as wg show reports them).");
        _drops = factory.CreateCounter("nexd_drops_total", "Packets or datagrams dropped, by reason (engine, path manager, disco, packet filter).", "reason");
        _filterDrops = factory.CreateCounter("nexd_filter_drops_total", "Packets the packet filter dropped, by direction.", "direction");
        _pathSwitches = factory.CreateCounter("nexd_path_switches_total", "Path changes: onto a direct path, or back to the relay.", "to");
        foreach (var state in Enum.GetValues<AgentState>())
        {
            _state.WithLabels(state.ToString()).Set(0);
        }

        foreach (var path in PathLabels)
        {
            _peers.WithLabels(path).Set(0);
        }

        Registry.AddBeforeCollectCallback(Refresh);
    }

    public CollectorRegistry Registry { get; }

    /// <summary>Writes the Prometheus text format (refreshing every family first).</summary>
    public Task WriteAsync(Stream output, CancellationToken cancel) => Registry.CollectAndExportAsTextAsync(output, cancel);

    private void Refresh()
    {
        lock (_sync)
        {
            var current = _source.State;
            foreach (var state in Enum.GetValues<AgentState>())
            {
                _state.WithLabels(state.ToString()).Set(state == current ? 1 : 0);
            }

            _controlConnected.Set(_source.ControlConnected ? 1 : 0);
            var filter = _source.FilterCounters;
            var inbound = filter.Inbound.Total;
            var outbound = filter.Outbound.Total;
            _filterDrops.WithLabels("inbound").IncTo(inbound);
            _filterDrops.WithLabels("outbound").IncTo(outbound);
            _drops.WithLabels("filter_inbound").IncTo(inbound);
            _drops.WithLabels("filter_outbound").IncTo(outbound);
            if (_source.Device is { } device)
            {
                RefreshDevice(device);
            }

            if (_source.Paths is { } paths)
            {
                RefreshPaths(paths);
            }
        }
    }

    private void RefreshDevice(Device device)
    {
        var c = device.Counters;
        _handshakes.IncTo(c.HandshakesCompleted.Value);
        Drop("malformed", c.Malformed);
        Drop("invalid_mac1", c.InvalidMac1);
        Drop("rate_limited", c.RateLimited);
        Drop("handshake_rejected", c.HandshakeRejected);
        Drop("handshake_queue_full", c.HandshakeQueueFull);
        Drop("unknown_index", c.UnknownIndex);
        Drop("decrypt_failed", c.DecryptFailed);
        Drop("replayed", c.Replayed);
        Drop("expired_keypair", c.ExpiredKeypair);
        Drop("disallowed_source", c.DisallowedSource);
        Drop("no_route", c.NoRoute);
        Drop("staged_dropped", c.StagedDropped);

        long rx = 0, tx = 0;
        var seen = new HashSet<PublicKey>();
        foreach (var peer in device.Peers())
        {
            var bytes = (peer.RxBytes, peer.TxBytes);
            _lastBytes[peer.PublicKey] = bytes;
            seen.Add(peer.PublicKey);
            rx += bytes.RxBytes;
            tx += bytes.TxBytes;
        }

        foreach (var key in _lastBytes.Keys.ToList())
        {
            if (!seen.Contains(key))
            {
                _retiredRx += _lastBytes[key].Rx;
                _retiredTx += _lastBytes[key].Tx;
                _lastBytes.Remove(key);
            }
        }

        _rxBytes.IncTo(_retiredRx + rx);
        _txBytes.IncTo(_retiredTx + tx);
    }

    private void RefreshPaths(PathManager paths)
    {
        var (direct, relay, none) = paths.CountPaths();
        _peers.WithLabels("direct").Set(direct);
        _peers.WithLabels("relay").Set(relay);
        _peers.WithLabels("none").Set(none);
        var c = paths.Counters;
        _drops.WithLabels("relay").IncTo(c.RelayDrops);
        _drops.WithLabels("no_path").IncTo(c.NoPathDrops);
        foreach (var reason in Enum.GetValues<DiscoDropReason>())
        {
            _drops.WithLabels("disco_" + SnakeCase(reason.ToString())).IncTo(c.DiscoDropped(reason));
        }

        _pathSwitches.WithLabels("direct").IncTo(c.DirectSwitches);
        _pathSwitches.WithLabels("relay").IncTo(c.RelayFallbacks);
    }

    private void Drop(string reason, DeviceCounters.Counter counter) => _drops.WithLabels(reason).IncTo(counter.Value);

    private static string SnakeCase(string pascal)
    {
        var sb = new System.Text.StringBuilder(pascal.Length + 4);
        for (var i = 0; i < pascal.Length; i++)
        {
            if (char.IsUpper(pascal[i]) && i > 0)
            {
                sb.Append('_');
            }

            sb.Append(char.ToLowerInvariant(pascal[i]));
        }

        return sb.ToString();
    }
}
