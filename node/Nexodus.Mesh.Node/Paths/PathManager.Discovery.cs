using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Nexodus.Mesh.Core.Net;
using Nexodus.Mesh.Relay.Client;
using Nexodus.Mesh.Relay.Transport;
using Nexodus.Mesh.Stun.Client;

namespace Nexodus.Mesh.Node.Paths;

/// <summary>
/// Endpoint discovery: local interface addresses with the bound port; the STUN reflexive address learned on the
/// data socket itself (so it is the mapping peers must use; the answers are claimed before WireGuard sees them);
/// NAT mapping/filtering behaviour (RFC 5780) on a separate socket, once per network; the home relay region by
/// latency. Runs at open, on relay map and network changes, and every <see cref="PathManagerOptions.DiscoveryInterval"/>
/// (which also keeps the reflexive mapping alive).
/// </summary>
internal sealed partial class PathManager
{
    /// <summary>Short schedule for the data-socket binding: "udp blocked" is known within ~3 s.</summary>
    private static readonly StunRetransmissionOptions ReflexiveRetransmission = new()
    {
        InitialRto = TimeSpan.FromMilliseconds(250),
        RequestCount = 4,
        LastWaitMultiplier = 4,
        TotalTimeout = TimeSpan.FromSeconds(3),
    };

    private readonly HomeRegionSelector _homeSelector = new();

    // Last probe per region id (as text, the prober's key); replaced whole, read by Snapshot for `nexctl status`.
    private volatile Dictionary<string, TimeSpan?> _relayLatencies = [];
    private TaskCompletionSource _discoveryTrigger = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile LocalReachability _reachability = LocalReachability.Unknown;
    private IReadOnlyList<IPEndPoint> _reflexive = [];
    private bool _udpBlocked;
    private volatile string? _natKnownFor;
    private string _natMapping = "";
    private string _natFiltering = "";

    /// <summary>What discovery found so far.</summary>
    public LocalReachability Reachability => _reachability;

    private void TriggerDiscovery()
    {
        UpdateLocalEndpoints();
        Volatile.Read(ref _discoveryTrigger).TrySetResult();
    }

    private async Task DiscoveryLoopAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var trigger = Volatile.Read(ref _discoveryTrigger);
            try
            {
                await DiscoverOnceAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                Log.DiscoveryFailed(_logger, e);
            }

            try
            {
                await Task.WhenAny(trigger.Task, Task.Delay(_options.DiscoveryInterval, _time, ct));
                ct.ThrowIfCancellationRequested();
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (trigger.Task.IsCompleted)
            {
                Interlocked.CompareExchange(ref _discoveryTrigger, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), trigger);
            }
        }
    }

    private async Task DiscoverOnceAsync(CancellationToken ct)
    {
        if (Port == 0)
        {
            return;
        }

        var servers = await StunServersAsync(ct);
        var reflexive = new List<IPEndPoint>();
        var answered = false;
        foreach (var server in servers)
        {
            var result = await _stun.BindAsync(server, Stun.Codec.StunChangeRequest.None, ReflexiveRetransmission, ct);
            if (result.IsSuccess)
            {
                answered = true;
                if (!reflexive.Contains(result.MappedAddress!))
                {
                    reflexive.Add(result.MappedAddress!);
                }

                break;
            }
        }

        lock (_lifecycle)
        {
            _reflexive = reflexive;
            _udpBlocked = servers.Count > 0 && !answered;
        }

        UpdateLocalEndpoints();
        await ChooseHomeRegionAsync(ct);
        if (answered && _options.NatBehaviorDiscovery && _natKnownFor != servers[0].ToString())
        {
            await DiscoverNatAsync(servers[0], ct);
        }
    }

    /// <summary>RFC 5780 tests on their own socket: they send to the server's alternate address, which must not open the data socket's filter.</summary>
    private async Task DiscoverNatAsync(IPEndPoint server, CancellationToken ct)
    {
        await using var probe = StunUdpClient.Bind(new IPEndPoint(server.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0), _time);
        var report = await new NatBehaviorDiscovery(probe.Client, new NatBehaviorDiscoveryOptions { TestHairpinning = false }).DiscoverAsync(server, null, ct);
        lock (_lifecycle)
        {
            _natMapping = report.Mapping switch
            {
                NatMapping.EndpointIndependent => "eim",
                NatMapping.AddressDependent => "adm",
                NatMapping.AddressAndPortDependent => "apdm",
                _ => "",
            };
            _natFiltering = report.Filtering switch
            {
                NatFiltering.EndpointIndependent => "eif",
                NatFiltering.AddressDependent => "adf",
                NatFiltering.AddressAndPortDependent => "apdf",
                _ => "",
            };
        }

        _natKnownFor = server.ToString();
        Log.NatDiscovered(_logger, server.ToString(), _natMapping, _natFiltering, string.Join("; ", report.Notes));
        UpdateLocalEndpoints();
    }

    /// <summary>
    /// With a single relay region there is no home to choose, but status still shows a latency: the live session's
    /// ping round trip, measured at each discovery and whenever the session (re)connects.
    /// </summary>
    private async Task MeasureOnlyRelayAsync(CancellationToken ct)
    {
        IRelayConnection? only;
        string id;
        lock (_relaySync)
        {
            if (_relaySettings.Count != 1)
            {
                return;
            }

            var region = _relaySettings.Keys.First();
            _relays.TryGetValue(region, out only);
            id = region.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        _relayLatencies = new() { [id] = await PingAsync(only, ct) };
    }

    /// <summary>The relay session's round trip, or null when it is down or does not answer within 2 s.</summary>
    private static async Task<TimeSpan?> PingAsync(IRelayConnection? relay, CancellationToken ct)
    {
        if (relay is not { IsConnected: true })
        {
            return null;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(2));
        try
        {
            return await relay.PingAsync(timeout.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or InvalidOperationException && !ct.IsCancellationRequested)
        {
            return null;
        }
    }

    private async Task ChooseHomeRegionAsync(CancellationToken ct)
    {
        Dictionary<string, IReadOnlyList<Uri>> regions = [];
        List<string> pins = [];
        var system = false;
        lock (_relaySync)
        {
            foreach (var (id, s) in _relaySettings)
            {
                regions[id.ToString(System.Globalization.CultureInfo.InvariantCulture)] = [new Uri(s.Url, "/")];
                pins.AddRange(s.Trust.PinnedSha256);
                system |= s.Trust.PinnedSha256.Count == 0;
            }
        }

        if (regions.Count < 2)
        {
            // Nothing to choose; MeasureOnlyRelayAsync still gives a single region a latency.
            await MeasureOnlyRelayAsync(ct);
            return;
        }

        using var prober = new RelayLatencyProber(system ? TlsTrust.System : TlsTrust.Pin([.. pins]));
        var latencies = await prober.ProbeRegionsAsync(regions, 3, ct);
        _relayLatencies = latencies;
        var best = _homeSelector.Update(latencies);
        if (best is not null && int.TryParse(best, System.Globalization.CultureInfo.InvariantCulture, out var id2) && id2 != _homeRegion)
        {
            lock (_relaySync)
            {
                _homeRegion = id2;
                EnsureHomeLocked();
            }

            Log.HomeRegion(_logger, id2);
            UpdateLocalEndpoints();
        }
    }

    private async Task<List<IPEndPoint>> StunServersAsync(CancellationToken ct)
    {
        var result = new List<IPEndPoint>();
        foreach (var region in _relayMap.Regions)
        {
            foreach (var node in region.Nodes)
            {
                if (node.StunPort is <= 0 or > 65535)
                {
                    continue;
                }

                IPAddress? address = null;
                if (IPAddress.TryParse(node.Ipv4, out var v4))
                {
                    address = v4;
                }
                else if (IPAddress.TryParse(node.HostName, out var literal))
                {
                    address = literal;
                }
                else if (!string.IsNullOrEmpty(node.HostName))
                {
                    try
                    {
                        var found = await Dns.GetHostAddressesAsync(node.HostName, AddressFamily.InterNetwork, ct);
                        address = found.FirstOrDefault();
                    }
                    catch (SocketException)
                    {
                    }
                }

                // The data socket's IPv4 side carries the mapping peers use.
                if (address is { AddressFamily: AddressFamily.InterNetwork })
                {
                    result.Add(new IPEndPoint(address, node.StunPort));
                }
            }
        }

        return result;
    }

    /// <summary>Recomputes our candidate list (local + reflexive) and tells listeners when anything changed.</summary>
    private void UpdateLocalEndpoints()
    {
        var port = Port;
        LocalReachability next;
        bool endpointsChanged;
        lock (_lifecycle)
        {
            var endpoints = new List<IPEndPoint>();
            if (port != 0)
            {
                foreach (var address in LocalAddresses())
                {
                    var ep = new IPEndPoint(address, port);
                    if (!endpoints.Contains(ep))
                    {
                        endpoints.Add(ep);
                    }
                }

                foreach (var ep in _reflexive)
                {
                    if (!endpoints.Contains(ep))
                    {
                        endpoints.Add(ep);
                    }
                }
            }

            var texts = endpoints.Select(e => e.ToString()).ToList();
            next = new LocalReachability(texts, HomeRegion, _natMapping, _natFiltering, _udpBlocked);
            if (next.SameAs(_reachability))
            {
                return;
            }

            endpointsChanged = !texts.SequenceEqual(_reachability.Endpoints);
            _reachability = next;
            SetOwnEndpoints(endpoints);
        }

        Log.Reachability(_logger, string.Join(", ", next.Endpoints), next.HomeRelay ?? -1, next.NatMapping, next.NatFiltering, next.UdpBlocked);
        if (endpointsChanged)
        {
            // Peers learn new endpoints through call-me-maybe at the next probe: make that now.
            var now = _time.GetUtcNow();
            foreach (var path in _paths.Values)
            {
                if (path.Direct is null)
                {
                    path.Reprobe(now);
                }
            }
        }

        try
        {
            LocalReachabilityChanged?.Invoke(next);
        }
        catch (Exception e)
        {
            Log.HandlerFailed(_logger, e, nameof(LocalReachabilityChanged));
        }
    }

    private IReadOnlyList<IPAddress> LocalAddresses()
    {
        if (_options.LocalAddresses is { } provider)
        {
            return provider();
        }

        var result = new List<IPAddress>();
        try
        {
            foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
            {
                if (nic.OperationalStatus is not (OperationalStatus.Up or OperationalStatus.Unknown)
                    || nic.NetworkInterfaceType == NetworkInterfaceType.Loopback
                    || _options.ExcludeInterfaces.Contains(nic.Name))
                {
                    continue;
                }

                foreach (var ua in nic.GetIPProperties().UnicastAddresses)
                {
                    var a = ua.Address;
                    var usable = a.AddressFamily == AddressFamily.InterNetwork
                        ? !IPAddress.IsLoopback(a) && !(a.GetAddressBytes() is [169, 254, ..])
                        : !IPAddress.IsLoopback(a) && !a.IsIPv6LinkLocal && !a.IsIPv6SiteLocal && !a.IsIPv4MappedToIPv6 && !a.IsIPv6Multicast;
                    if (usable && result.Count < 8)
                    {
                        result.Add(a);
                    }
                }
            }
        }
        catch (NetworkInformationException)
        {
        }

        return result;
    }

    /// <summary>STUN requests go out of the data socket itself.</summary>
    private sealed class StunTransport(PathManager owner) : IStunTransport
    {
        public ValueTask SendAsync(ReadOnlyMemory<byte> datagram, EndPoint destination, CancellationToken cancellationToken)
        {
            if (destination is not IPEndPoint ip || !owner._udp.Send(new UdpEndpoint(ip), datagram.Span))
            {
                throw new SocketException((int)SocketError.NetworkUnreachable);
            }

            return ValueTask.CompletedTask;
        }
    }
}
