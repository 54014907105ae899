using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Nexodus.Mesh.Core.Contracts;
using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.Node.Paths;
using Nexodus.Mesh.Node.Tun;
using Nexodus.Mesh.Node.WireGuard;

namespace Nexodus.Mesh.Node.Agent;

internal sealed partial class NodeAgent
{
    /// <summary>TUN with the device's addresses (+ stored VPC routes), path manager as the engine's bind, engine up.</summary>
    private void BringUp()
    {
        var record = _record!;
        try
        {
            _tun = LinuxTun.Create(_options.Interface, _options.Mtu);
            if (IPAddress.TryParse(record.Ipv4, out var v4))
            {
                _tun.AddAddress(HostPrefix(v4));
            }

            if (IPAddress.TryParse(record.Ipv6, out var v6))
            {
                try
                {
                    _tun.AddAddress(HostPrefix(v6));
                }
                catch (IOException e)
                {
                    // Hosts (and containers) with IPv6 disabled still get the IPv4 mesh.
                    _logger.LogWarning("no IPv6 on {Name}: {Error}", _options.Interface, e.Message);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            throw new AgentExitException(AgentExitException.Runtime, $"cannot create interface {_options.Interface}: {e.Message} (nexd up needs root and /dev/net/tun)");
        }

        RouteVpc(record.Ipv4Cidr, record.Ipv6Cidr);
        _paths = new PathManager(new PathManagerOptions
        {
            NodeKey = _nodeKey!,
            DiscoKey = _discoKey,
            Time = _time,
            ExcludeInterfaces = [_options.Interface],
        }, _loggers.CreateLogger("nexd.paths"));
        _paths.PathChanged += OnPathChanged;
        _paths.RelayConnected += OnRelayConnected;
        _networkSettle = _time.CreateTimer(_ => OnNetworkSettled(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        NetworkChange.NetworkAddressChanged += OnNetworkAddressChanged;
        _paths.LocalReachabilityChanged += OnReachabilityChanged;
        _device = new Device(_tun, _paths, _time, _loggers.CreateLogger("nexd.wireguard")) { Firewall = _firewall };
        _device.SetPrivateKey(_nodeKey);
        var port = _options.ListenPort ?? record.ListenPort;
        _device.SetListenPort((ushort)port);
        try
        {
            _device.Up();
        }
        catch (SocketException e) when (port != 0 && _options.ListenPort is null)
        {
            // The persisted port is taken now (another process got it while we were down): take a new one.
            _logger.LogWarning("listen port {Port} is in use ({Error}); picking a new one", port, e.Message);
            _device.SetListenPort(0);
            _device.Up();
        }
        catch (SocketException e)
        {
            throw new AgentExitException(AgentExitException.Runtime, $"cannot listen on UDP port {port}: {e.Message}; pick another --listen-port");
        }

        if (_device.ListenPort != record.ListenPort)
        {
            _record = record with { ListenPort = _device.ListenPort };
            _store.SaveDevice(_record);
        }

        _logger.LogInformation("interface {Name} up: {V4} {V6}, listen port {Port}", _options.Interface, record.Ipv4, record.Ipv6, _device.ListenPort);
    }

    private void RouteVpc(string v4Cidr, string v6Cidr)
    {
        foreach (var cidr in new[] { v4Cidr, v6Cidr })
        {
            if (cidr.Length == 0 || !IPNetwork.TryParse(cidr, out var prefix) || prefix.PrefixLength == 0)
            {
                continue;
            }

            try
            {
                _tun!.AddRoute(prefix);
            }
            catch (IOException e)
            {
                _logger.LogWarning("route {Prefix} via {Name}: {Error}", prefix, _options.Interface, e.Message);
            }
        }
    }

    /// <summary>Makes the engine's and the path manager's peer sets equal to <see cref="_peers"/>.</summary>
    private void SyncPeers()
    {
        var device = _device!;
        var paths = _paths!;
        List<PeerInfo> wanted;
        lock (_sync)
        {
            wanted = [.. _peers.Values];
        }

        paths.SetPeers(wanted);
        var keep = new HashSet<PublicKey>();
        foreach (var info in wanted)
        {
            if (!PublicKey.TryParse(info.NodeKey, out var key) || key == _nodeKey!.PublicKey)
            {
                continue;
            }

            keep.Add(key);
            var peer = device.LookupPeer(key) ?? device.AddPeer(key);
            peer.SetEndpoint(paths.EndpointFor(key));
            var want = new List<IPNetwork>();
            foreach (var address in info.Addresses)
            {
                if (IPAddress.TryParse(address, out var ip))
                {
                    want.Add(HostPrefix(ip));
                }
            }

            var have = device.AllowedIpsOf(peer);
            if (have.Count != want.Count || !have.TrueForAll(want.Contains))
            {
                device.RemoveAllowedIps(peer);
                foreach (var prefix in want)
                {
                    device.AddAllowedIp(peer, prefix);
                }
            }
        }

        foreach (var peer in device.Peers())
        {
            if (!keep.Contains(peer.PublicKey))
            {
                device.RemovePeer(peer.PublicKey);
            }
        }
    }

    private void OnPathChanged(PeerPathStatus status)
    {
        string hostname;
        lock (_sync)
        {
            hostname = _peers.TryGetValue(status.NodeKey, out var info) ? info.Hostname : status.NodeKey.ToString();
        }

        var line = status.Kind switch
        {
            PathKind.Direct => $"nexd: peer {hostname} path direct {status.DirectAddress}",
            PathKind.Relay => $"nexd: peer {hostname} path relay {status.RelayRegion}",
            _ => $"nexd: peer {hostname} path none",
        };
        if (status.Kind != PathKind.None && _device?.LookupPeer(status.NodeKey) is { } peer)
        {
            // Off the path manager's thread (it may hold a path lock): resend a handshake lost while there was no path
            // (also after a relay reconnect, which prints nothing new).
            ThreadPool.UnsafeQueueUserWorkItem(p => p.PathBecameUsable(), peer, preferLocal: false);
        }

        lock (_sync)
        {
            // The path manager also reports "still via relay" (relay reconnects, new peers); print changes only.
            if (_printedPaths.TryGetValue(status.NodeKey, out var last) && last == line)
            {
                return;
            }

            _printedPaths[status.NodeKey] = line;
        }

        Print(line);
    }

    private void OnNetworkAddressChanged(object? sender, EventArgs e)
    {
        // Address and link events come in bursts (our own TUN address among them): act once, after the burst.
        // This runs on the runtime's network-change thread, where an exception ends the process: an event already
        // being raised when DisposeAsync unsubscribes finds the timer disposed.
        try
        {
            _networkSettle?.Change(NetworkSettleTime, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // Shutting down.
        }
    }

    private void OnNetworkSettled()
    {
        try
        {
            _logger.LogInformation("network changed: rediscovering endpoints and re-probing peers");
            _paths?.NetworkChanged();
        }
        catch (ObjectDisposedException)
        {
            // Shutting down.
        }
    }

    private void OnReachabilityChanged(LocalReachability reachability)
    {
        _ = ReportAsync(reachability);
    }

    private async Task ReportAsync(LocalReachability reachability)
    {
        var credential = _credential;
        if (credential is null || _control is null)
        {
            return;
        }

        try
        {
            await _control.PutStatusAsync(credential, new DeviceStatusReport
            {
                Endpoints = reachability.Endpoints,
                HomeRelay = reachability.HomeRelay,
                NatMapping = reachability.NatMapping,
                NatFiltering = reachability.NatFiltering,
            }, CancellationToken.None);
            _lastReported = reachability;
        }
        catch (Exception e) when (e is ControlPlane.ControlUnreachableException or ControlPlane.ControlRefusedException or ObjectDisposedException)
        {
            _logger.LogDebug("status report failed: {Error}", e.Message);
        }
    }
}
