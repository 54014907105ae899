using Microsoft.Extensions.Logging;
using Nexodus.Mesh.Core.Contracts;
using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.Node.ControlPlane;

namespace Nexodus.Mesh.Node.Agent;

internal sealed partial class NodeAgent
{
    private DateTimeOffset? _lastContact;
    private bool _haveMap;
    private volatile bool _streamConnected;

    /// <summary>When control last sent a netmap line (heartbeats included).</summary>
    public DateTimeOffset? LastContact => _lastContact;

    /// <summary>The netmap stream is up: control sent a line on the current connection and it has not ended.</summary>
    public bool ControlConnected => _streamConnected;

    /// <summary>Follows the stream until cancelled; reconnects with backoff and `?revision=`; never tears tunnels down.</summary>
    private async Task FollowNetmapAsync(CancellationToken cancel)
    {
        SetState(AgentState.Connecting, null);
        var failures = 0;
        while (!cancel.IsCancellationRequested)
        {
            var gotAny = false;
            try
            {
                // Resume only with a map in memory: after a restart the peers are not on disk, so ask for a full map.
                long? revision = _haveMap && _record!.Revision > 0 ? _record.Revision : null;
                await foreach (var message in _control!.StreamNetmapAsync(_credential!, revision, _options.StreamIdleTimeout, e => _logger.LogWarning("bad netmap line skipped: {Error}", e), cancel))
                {
                    gotAny = true;
                    failures = 0;
                    _lastContact = _time.GetUtcNow();
                    _streamConnected = true;
                    if (Apply(message))
                    {
                        // Revoked: the credential is dead; keep the process (and nothing else) until stopped.
                        await Task.Delay(Timeout.Infinite, cancel);
                    }
                }

                _streamConnected = false;
                SetDegradedIfRunning("control closed the netmap stream");
            }
            catch (ControlRefusedException e)
            {
                _streamConnected = false;
                Revoke($"control refused this device's credential ({e.Status} {e.Message})");
                await Task.Delay(Timeout.Infinite, cancel);
            }
            catch (ControlUnreachableException e)
            {
                _streamConnected = false;
                SetDegradedIfRunning("control unreachable: " + e.Message);
                _logger.LogInformation("netmap stream: {Error}", e.Message);
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                _streamConnected = false;
                return;
            }

            failures = gotAny ? 0 : failures + 1;
            var delay = TimeSpan.FromMilliseconds(Math.Min(_options.MaxBackoff.TotalMilliseconds, 500 * Math.Pow(2, Math.Min(failures, 10))));
            // Jitter spreads a fleet's reconnects after a control restart.
            delay += TimeSpan.FromMilliseconds(Random.Shared.Next(0, 250));
            try
            {
                await Task.Delay(delay, _time, cancel);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void SetDegradedIfRunning(string reason)
    {
        // Connecting stays Connecting until the first map; afterwards the tunnels run on the last map.
        SetState(_state == AgentState.Connecting ? AgentState.Connecting : AgentState.Degraded, _state == AgentState.Connecting ? null : reason);
    }

    /// <summary>Applies one stream line; true when the device was revoked.</summary>
    private bool Apply(NetmapMessage message)
    {
        switch (message.Type)
        {
            case NetmapMessageTypes.Full when message.Map is { } map:
                lock (_sync)
                {
                    _peers.Clear();
                    foreach (var peer in map.Peers)
                    {
                        AddPeerInfo(peer);
                    }
                }

                ApplyParts(map.RelayMap, map.PacketFilter, map.RelayAdmission);
                if (map.Ipv4Cidr != _record!.Ipv4Cidr || map.Ipv6Cidr != _record.Ipv6Cidr)
                {
                    RouteVpc(map.Ipv4Cidr, map.Ipv6Cidr);
                    _record = _record with { Ipv4Cidr = map.Ipv4Cidr, Ipv6Cidr = map.Ipv6Cidr };
                }

                SyncPeers();
                Commit(message.Revision);
                _haveMap = true;
                SetState(AgentState.Running, null);
                return false;
            case NetmapMessageTypes.Delta when _haveMap:
                lock (_sync)
                {
                    foreach (var removed in message.PeersRemoved ?? [])
                    {
                        if (PublicKey.TryParse(removed, out var key))
                        {
                            _peers.Remove(key);
                            _printedPaths.Remove(key);
                        }
                    }

                    foreach (var changed in message.PeersChanged ?? [])
                    {
                        AddPeerInfo(changed);
                    }
                }

                ApplyParts(message.RelayMap, message.PacketFilter, message.RelayAdmission);
                SyncPeers();
                Commit(message.Revision);
                SetState(AgentState.Running, null);
                return false;
            case NetmapMessageTypes.Revoked:
                Revoke(message.Reason ?? "device removed");
                return true;
            case NetmapMessageTypes.Resync:
                _logger.LogInformation("control asked for a resync ({Reason}); a full map follows", message.Reason);
                return false;
            default:
                // heartbeat, or a type from a newer control: nothing to apply.
                if (_state == AgentState.Degraded)
                {
                    SetState(AgentState.Running, null);
                }

                return false;
        }
    }

    private void AddPeerInfo(PeerInfo peer)
    {
        if (PublicKey.TryParse(peer.NodeKey, out var key))
        {
            _peers[key] = peer;
        }
        else
        {
            _logger.LogWarning("netmap peer {Hostname} has a bad node key; skipped", peer.Hostname);
        }
    }

    private void ApplyParts(RelayMap? relayMap, PacketFilter? filter, RelayAdmission? admission)
    {
        if (admission is { Token.Length: > 0 })
        {
            _paths!.SetRelayToken(admission.Token);
        }

        if (relayMap is not null)
        {
            _paths!.SetRelayMap(relayMap);
        }

        if (filter is not null)
        {
            Volatile.Write(ref _filter, filter);
            // Compiled and swapped before the peers of the same map are added, so no peer is ever reachable unfiltered.
            foreach (var warning in _firewall.SetFilter(filter))
            {
                _logger.LogWarning("packet filter: {Warning}", warning);
            }
        }
    }

    private void Commit(long revision)
    {
        if (revision > _record!.Revision)
        {
            _record = _record with { Revision = revision };
        }

        try
        {
            _store.SaveDevice(_record);
        }
        catch (IOException e)
        {
            _logger.LogWarning("cannot save state: {Error}", e.Message);
        }
    }

    private void Revoke(string reason)
    {
        lock (_sync)
        {
            _peers.Clear();
        }

        SyncPeers();
        SetState(AgentState.NeedsLogin, "revoked: " + reason + "; enroll again with a new --reg-key after moving the state dir away");
    }
}
