using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nexodus.Mesh.Netsim.Scenarios;

namespace Nexodus.Mesh.Netsim;

/// <summary>
/// A running scenario: one network namespace per network segment (holding a bridge), per router and per host,
/// connected by veth pairs. Disposing removes everything; if the owning process dies instead,
/// <see cref="LabRuns.SweepAsync"/> removes it later.
/// </summary>
public sealed partial class Lab : IAsyncDisposable
{
    private readonly ILogger _logger;
    private readonly Dictionary<string, LabHost> _hosts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LabRouter> _routers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LabNetwork> _networks = new(StringComparer.Ordinal);
    private bool _detached;
    private int _disposed;

    private Lab(Scenario scenario, string runName, LabOptions options)
    {
        Scenario = scenario;
        RunName = runName;
        StateRoot = options.StateRoot;
        _logger = options.Logger ?? NullLogger.Instance;
        foreach (var n in scenario.Networks)
        {
            _networks[n.Name] = new LabNetwork(this, n);
        }

        foreach (var r in scenario.Routers)
        {
            _routers[r.Name] = new LabRouter(this, r);
        }

        foreach (var r in _routers.Values)
        {
            r.PortKeys = r.NewPortKeys(new Dictionary<System.Net.IPAddress, int>());
        }

        foreach (var h in scenario.Hosts)
        {
            _hosts[h.Name] = new LabHost(this, h);
        }
    }

    public Scenario Scenario { get; }

    /// <summary>Run name; every namespace of the run is <c>nsim-&lt;run&gt;-&lt;node&gt;</c>.</summary>
    public string RunName { get; }

    /// <summary>This run's state directory (<c>/run/netsim/&lt;run&gt;</c>), also the default place for captures.</summary>
    public string StateDirectory => RunState.Directory(StateRoot, RunName);

    public IReadOnlyDictionary<string, LabHost> Hosts => _hosts;

    public IReadOnlyDictionary<string, LabRouter> Routers => _routers;

    public IReadOnlyDictionary<string, LabNetwork> Networks => _networks;

    internal string StateRoot { get; }

    internal bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>Builds a scenario file (YAML or JSON).</summary>
    public static Task<Lab> StartAsync(string scenarioPath, LabOptions? options = null, CancellationToken cancellationToken = default) =>
        StartAsync(ScenarioFile.Load(scenarioPath), options, cancellationToken);

    /// <summary>Builds a scenario; on failure everything created so far is removed before the exception propagates.</summary>
    public static async Task<Lab> StartAsync(Scenario scenario, LabOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new LabOptions();
        if (!Environment.IsPrivilegedProcess)
        {
            throw new NetsimException("netsim needs root (network namespaces, veth, nftables)");
        }

        var run = options.RunName ?? Naming.NewRunName();
        Naming.CheckRunName(run);
        if (Directory.Exists(RunState.Directory(options.StateRoot, run)) || LabRuns.ListNamespaces().Any(n => Naming.RunOf(n) == run))
        {
            throw new NetsimException($"run '{run}' already exists; pick another name or run 'netsim down {run}'");
        }

        var lab = new Lab(scenario, run, options);
        // State first: if we crash halfway, a sweep still finds the owner (dead) and the namespaces.
        lab.SaveState(Environment.ProcessId);
        var started = DateTime.UtcNow;
        try
        {
            await lab.BuildAsync(cancellationToken);
        }
        catch
        {
            await LabRuns.DownAsync(run, options.StateRoot, CancellationToken.None);
            throw;
        }

        Log.Started(lab._logger, run, scenario.Name, (DateTime.UtcNow - started).TotalMilliseconds);
        return lab;
    }

    public LabHost Host(string name) =>
        _hosts.TryGetValue(name, out var h) ? h : throw new KeyNotFoundException($"no host '{name}' in run {RunName} (hosts: {string.Join(", ", _hosts.Keys)})");

    public LabRouter Router(string name) =>
        _routers.TryGetValue(name, out var r) ? r : throw new KeyNotFoundException($"no router '{name}' in run {RunName} (routers: {string.Join(", ", _routers.Keys)})");

    public LabNetwork Network(string name) =>
        _networks.TryGetValue(name, out var n) ? n : throw new KeyNotFoundException($"no network '{name}' in run {RunName} (networks: {string.Join(", ", _networks.Keys)})");

    /// <summary>Any host, router or network by name.</summary>
    public LabNode Node(string name) =>
        _hosts.TryGetValue(name, out var h) ? h
        : _routers.TryGetValue(name, out var r) ? r
        : _networks.TryGetValue(name, out var n) ? n
        : throw new KeyNotFoundException($"no node '{name}' in run {RunName}");

    /// <summary>
    /// Cuts a node's link to a network (its bridge port goes down: the node sees carrier loss, packets are lost
    /// both ways). <paramref name="network"/> may be omitted for hosts; for routers it names the WAN or LAN network.
    /// </summary>
    public Task CutLinkAsync(string node, string? network = null, CancellationToken cancellationToken = default) =>
        SetLinkAsync(node, network, up: false, cancellationToken);

    /// <summary>Restores a link cut by <see cref="CutLinkAsync"/>.</summary>
    public Task RestoreLinkAsync(string node, string? network = null, CancellationToken cancellationToken = default) =>
        SetLinkAsync(node, network, up: true, cancellationToken);

    /// <summary>Leaves the run in place when this object is disposed (used by <c>netsim up</c>); <c>netsim down</c> removes it.</summary>
    public void Detach()
    {
        _detached = true;
        SaveState(0);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        // Threads hold a reference on their namespace; release them so the namespaces really go away.
        foreach (var node in AllNodes())
        {
            node.ReleaseThread();
        }

        if (!_detached)
        {
            await LabRuns.DownAsync(RunName, StateRoot, CancellationToken.None);
            Log.Stopped(_logger, RunName);
        }
    }

    /// <summary>Applies an nftables script inside a node's namespace.</summary>
    internal async Task NftAsync(LabNode node, string script, CancellationToken cancellationToken)
    {
        var r = await CommandRunner.RunAsync(["ip", "netns", "exec", node.NamespaceName, "nft", "-f", "-"], script, null, cancellationToken);
        if (!r.Succeeded)
        {
            throw new NetsimException($"nft in {node.Name} failed: {r.StandardError.Trim()}\n--- script:\n{script}");
        }
    }

    private IEnumerable<LabNode> AllNodes() => _networks.Values.Cast<LabNode>().Concat(_routers.Values).Concat(_hosts.Values);

    private void SaveState(int ownerPid)
    {
        var state = new RunState
        {
            Run = RunName,
            Scenario = Scenario.Name,
            OwnerPid = ownerPid,
            OwnerStartTime = ownerPid == 0 ? 0 : RunState.ProcessStartTime(ownerPid),
            Created = DateTimeOffset.UtcNow,
            Namespaces = [.. AllNodes().Select(n => n.NamespaceName)],
            Nodes = AllNodes().Where(n => n is not LabNetwork).ToDictionary(n => n.Name, n => n.Addresses.Select(a => a.ToString()).ToList(), StringComparer.Ordinal),
        };
        state.Save(StateRoot);
    }

    private async Task BuildAsync(CancellationToken ct)
    {
        // 1. All namespaces in one ip process.
        var batch = new StringBuilder();
        foreach (var node in AllNodes())
        {
            batch.Append(CultureInfo.InvariantCulture, $"netns add {node.NamespaceName}\n");
        }

        await IpBatchAsync(null, batch.ToString(), ct);

        // 2. Per-namespace sysctls: no IPv6 (keeps captures free of RS/DAD noise), forwarding on routers, and no
        //    bridge netfilter in segments (br_netfilter may be loaded on the machine; bridged frames must not
        //    be conntracked there).
        var sysctlTasks = new List<Task>();
        foreach (var node in AllNodes())
        {
            List<string> settings = ["net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"];
            if (node is LabRouter)
            {
                settings.Add("net.ipv4.ip_forward=1");
            }

            if (node is LabNetwork)
            {
                settings.AddRange(["net.bridge.bridge-nf-call-iptables=0", "net.bridge.bridge-nf-call-arptables=0"]);
            }

            sysctlTasks.Add(CommandRunner.CheckAsync(["ip", "netns", "exec", node.NamespaceName, "sysctl", "-q", "-e", "-w", .. settings], cancellationToken: ct));
        }

        await Task.WhenAll(sysctlTasks);

        // 3. Segments: a bridge each.
        await Task.WhenAll(_networks.Values.Select(n => IpBatchAsync(n, "link set lo up\nlink add br0 type bridge\nlink set br0 up\n", ct)));

        // 4. Nodes: veth pairs created straight into both namespaces (names never touch the root namespace).
        var nodeTasks = new List<Task>();
        foreach (var r in _routers.Values)
        {
            var s = r.Spec;
            var b = new StringBuilder("link set lo up\n");
            AppendLink(b, RouterRuleset.WanInterface, r.Name, s.WanNetwork, [s.WanAddress]);
            AppendLink(b, RouterRuleset.LanInterface, r.Name, s.LanNetwork, [s.LanAddress]);
            if (Scenario.GatewayOf(s.WanNetwork) is { } upstream)
            {
                b.Append(CultureInfo.InvariantCulture, $"route add default via {upstream.LanAddress} dev {RouterRuleset.WanInterface}\n");
            }

            nodeTasks.Add(IpBatchAsync(r, b.ToString(), ct));
        }

        foreach (var h in _hosts.Values)
        {
            var b = new StringBuilder("link set lo up\n");
            AppendLink(b, LabHost.Interface, h.Name, h.Network, h.Addresses);
            if (Scenario.GatewayOf(h.Network) is { } gw)
            {
                b.Append(CultureInfo.InvariantCulture, $"route add default via {gw.LanAddress} dev {LabHost.Interface}\n");
            }

            nodeTasks.Add(IpBatchAsync(h, b.ToString(), ct));
        }

        await Task.WhenAll(nodeTasks);

        // 5. Enslave the bridge-side ends.
        var portTasks = new List<Task>();
        foreach (var n in _networks.Values)
        {
            var b = new StringBuilder();
            foreach (var r in _routers.Values.Where(r => r.Spec.WanNetwork == n.Name || r.Spec.LanNetwork == n.Name))
            {
                b.Append(CultureInfo.InvariantCulture, $"link set {Naming.BridgePort(r.Name)} master br0 up\n");
            }

            foreach (var h in _hosts.Values.Where(h => h.Network == n.Name))
            {
                b.Append(CultureInfo.InvariantCulture, $"link set {Naming.BridgePort(h.Name)} master br0 up\n");
            }

            if (b.Length > 0)
            {
                portTasks.Add(IpBatchAsync(n, b.ToString(), ct));
            }
        }

        await Task.WhenAll(portTasks);

        // 6. Carrier: a fresh veth drops everything until the kernel's link watcher (rate-limited to about once a
        //    second) has activated it, so the lab is only handed out once every link is really up.
        await WaitForLinksAsync(AllNodes(), ct);

        // 7. NAT rules, then the conntrack timeouts (the sysctls exist once conntrack is in use in the namespace).
        await Task.WhenAll(_routers.Values.Select(async r =>
        {
            await NftAsync(r, r.Ruleset, ct);
            var seconds = ((int)r.Nat.MappingTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            await CommandRunner.CheckAsync(
                ["ip", "netns", "exec", r.NamespaceName, "sysctl", "-q", "-w",
                    $"net.netfilter.nf_conntrack_udp_timeout={seconds}", $"net.netfilter.nf_conntrack_udp_timeout_stream={seconds}"],
                cancellationToken: ct);
        }));
    }

    private static async Task WaitForLinksAsync(IEnumerable<LabNode> nodes, CancellationToken ct)
    {
        var script = string.Join("; ", nodes.Select(n => $"ip -n {n.NamespaceName} -o link | sed 's/^/{n.Name} /'"));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            var r = await CommandRunner.CheckAsync(["sh", "-c", script], cancellationToken: ct);
            var notReady = r.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Where(l => !l.Contains(": lo:", StringComparison.Ordinal))
                .Where(l => l.Contains("NO-CARRIER", StringComparison.Ordinal) || l.Contains("qdisc noop", StringComparison.Ordinal)
                    || l.Contains("state DOWN", StringComparison.Ordinal) || l.Contains("state LOWERLAYERDOWN", StringComparison.Ordinal))
                .ToList();
            if (notReady.Count == 0)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new NetsimException($"links did not come up within 15s: {string.Join("; ", notReady.Select(l => l.Length > 80 ? l[..80] : l))}");
            }

            await Task.Delay(25, ct);
        }
    }

    private void AppendLink(StringBuilder b, string iface, string node, string network, IEnumerable<System.Net.IPAddress> addresses)
    {
        var prefix = Scenario.Network(network).Subnet.PrefixLength;
        b.Append(CultureInfo.InvariantCulture, $"link add {iface} type veth peer name {Naming.BridgePort(node)} netns {Naming.NamespaceName(RunName, network)}\n");
        foreach (var a in addresses)
        {
            b.Append(CultureInfo.InvariantCulture, $"addr add {a}/{prefix} dev {iface}\n");
        }

        b.Append(CultureInfo.InvariantCulture, $"link set {iface} up\n");
    }

    private static async Task IpBatchAsync(LabNode? node, string commands, CancellationToken ct)
    {
        List<string> argv = node is null ? ["ip", "-batch", "-"] : ["ip", "-n", node.NamespaceName, "-batch", "-"];
        var r = await CommandRunner.RunAsync(argv, commands, null, ct);
        if (!r.Succeeded)
        {
            throw new NetsimException($"ip {(node is null ? string.Empty : $"-n {node.NamespaceName} ")}-batch failed: {r.StandardError.Trim()}\n--- commands:\n{commands}");
        }
    }

    private async Task SetLinkAsync(string node, string? network, bool up, CancellationToken ct)
    {
        var n = Node(node);
        var net = network ?? n switch
        {
            LabHost h => h.Network,
            _ => throw new ArgumentException($"name the network of {node}'s link to {(up ? "restore" : "cut")}", nameof(network)),
        };
        var attached = n switch
        {
            LabHost h => h.Network == net,
            LabRouter r => r.Spec.WanNetwork == net || r.Spec.LanNetwork == net,
            _ => false,
        };
        if (!attached)
        {
            throw new ArgumentException($"{node} has no link to network '{net}'", nameof(network));
        }

        await IpBatchAsync(Network(net), $"link set {Naming.BridgePort(node)} {(up ? "up" : "down")}\n", ct);
        if (up)
        {
            await WaitForLinksAsync([n, Network(net)], ct);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "netsim run {Run} ({Scenario}) up in {Milliseconds:0} ms")]
        public static partial void Started(ILogger logger, string run, string scenario, double milliseconds);

        [LoggerMessage(2, LogLevel.Information, "netsim run {Run} removed")]
        public static partial void Stopped(ILogger logger, string run);
    }
}
