using Nexodus.Mesh.Core.Contracts;
using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.Node.LocalApi;
using Nexodus.Mesh.Node.Metrics;
using Nexodus.Mesh.Node.Paths;
using Nexodus.Mesh.Node.WireGuard;

namespace Nexodus.Mesh.Node.Agent;

/// <summary>The agent as the local API and the metrics see it: snapshots built from the live objects, never cached.</summary>
internal sealed partial class NodeAgent
{
    /// <summary>The local API's socket, once it listens.</summary>
    internal LocalApiServer? LocalApi => _localApi;

    /// <summary>The metrics listener, once it listens.</summary>
    internal MetricsServer? MetricsServer => _metricsServer;

    Device? IAgentMetricsSource.Device => _device;

    PathManager? IAgentMetricsSource.Paths => _paths;

    Filter.FilterCounters IAgentMetricsSource.FilterCounters => _firewall.Counters;

    /// <summary>Starts the local API and metrics listeners asked for; started before enrollment so Registering is observable.</summary>
    private async Task StartServingAsync(CancellationToken cancel)
    {
        try
        {
            if (_options.LocalApiPath is { } path)
            {
                _localApi = await LocalApiServer.StartAsync(path, this, _loggers, cancel);
            }

            if (_options.MetricsEndpoint is { } endpoint)
            {
                _metricsServer = await MetricsServer.StartAsync(endpoint, new AgentMetrics(this), cancel);
            }
        }
        catch (IOException e)
        {
            throw new AgentExitException(AgentExitException.Runtime, e.Message);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new AgentExitException(AgentExitException.Runtime, $"local API: {e.Message}; run as root or pass --local-api PATH in a writable directory");
        }
    }

    public StatusResponse Status()
    {
        AgentState state;
        string? reason;
        lock (_sync)
        {
            state = _state;
            reason = _reason;
        }

        var record = _record;
        var snapshot = _paths?.Snapshot();
        var reachability = _lastReported ?? snapshot?.Local ?? LocalReachability.Unknown;
        var relays = new List<RelayResponse>();
        foreach (var relay in snapshot?.Relays ?? [])
        {
            relays.Add(new RelayResponse(relay.RegionId, relay.Code, relay.Url, relay.IsHome, relay.Connected, relay.Latency?.TotalMilliseconds, relay.LastError));
        }

        return new StatusResponse
        {
            State = state.ToString(),
            Reason = reason,
            Hostname = record?.Hostname ?? _options.Hostname,
            DeviceId = record?.DeviceId,
            VpcId = record?.VpcId,
            NodeKey = _nodeKey?.PublicKey.ToString(),
            Addresses = record is null ? [] : [.. new[] { record.Ipv4, record.Ipv6 }.Where(a => !string.IsNullOrEmpty(a))],
            Interface = _options.Interface,
            ListenPort = _device?.ListenPort ?? record?.ListenPort,
            Control = _options.ControlUrl.ToString(),
            ControlReachable = ControlConnected,
            LastControlContact = LastContact,
            LastNetmapRevision = record?.Revision ?? 0,
            HomeRelayRegion = snapshot?.HomeRegion,
            Relays = relays,
            Endpoints = reachability.Endpoints,
            NatMapping = reachability.NatMapping,
            NatFiltering = reachability.NatFiltering,
            UdpBlocked = reachability.UdpBlocked,
            Version = LocalApiServer.Version,
        };
    }

    public PeerResponse[] Peers()
    {
        List<PeerInfo> infos;
        lock (_sync)
        {
            infos = [.. _peers.Values];
        }

        var paths = new Dictionary<PublicKey, PeerPathStatus>();
        foreach (var status in _paths?.Snapshot().Peers ?? [])
        {
            paths[status.NodeKey] = status;
        }

        var self = _nodeKey?.PublicKey;
        var list = new List<PeerResponse>(infos.Count);
        foreach (var info in infos.OrderBy(i => i.Hostname, StringComparer.Ordinal))
        {
            if (!PublicKey.TryParse(info.NodeKey, out var key) || key == self)
            {
                continue;
            }

            var path = paths.GetValueOrDefault(key);
            var engine = _device?.LookupPeer(key);
            list.Add(new PeerResponse
            {
                Hostname = info.Hostname,
                NodeKey = info.NodeKey,
                Addresses = info.Addresses,
                Online = info.Online,
                PathKind = (path?.Kind ?? PathKind.None) switch
                {
                    PathKind.Direct => "direct",
                    PathKind.Relay => "relay",
                    _ => "none",
                },
                Endpoint = path?.Kind == PathKind.Direct ? path.DirectAddress : null,
                RelayRegion = path?.RelayRegion,
                NotDirectReason = path is null ? "not managed yet" : path.Kind == PathKind.Direct ? null : path.NotDirectReason,
                LatencyMs = path?.Latency?.TotalMilliseconds,
                LastHandshake = engine?.LastHandshake,
                RxBytes = engine?.RxBytes ?? 0,
                TxBytes = engine?.TxBytes ?? 0,
            });
        }

        return [.. list];
    }
}
