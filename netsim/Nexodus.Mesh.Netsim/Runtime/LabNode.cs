using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Nexodus.Mesh.Netsim;

/// <summary>
/// Something with its own network namespace in a lab: a host, a router or a network segment. Runs external
/// processes (<c>ip netns exec</c>) and C# code (a thread that joined the namespace) inside it.
/// </summary>
public abstract class LabNode
{
    private readonly Lazy<NamespaceThread> _thread;
    private int _blockCounter;

    private protected LabNode(Lab lab, string name, IReadOnlyList<IPAddress> addresses, string defaultInterface)
    {
        Lab = lab;
        Name = name;
        NamespaceName = Naming.NamespaceName(lab.RunName, name);
        Addresses = addresses;
        DefaultInterface = defaultInterface;
        _thread = new Lazy<NamespaceThread>(() => new NamespaceThread(NamespaceName), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public Lab Lab { get; }

    /// <summary>Name in the scenario.</summary>
    public string Name { get; }

    /// <summary>The network namespace, <c>nsim-&lt;run&gt;-&lt;name&gt;</c> (usable with <c>ip netns exec</c>).</summary>
    public string NamespaceName { get; }

    /// <summary>Addresses of the node; the first is its primary (for a router: its WAN address).</summary>
    public IReadOnlyList<IPAddress> Addresses { get; }

    /// <summary>Primary address, or <see cref="IPAddress.None"/> for a network segment.</summary>
    public IPAddress Address => Addresses.Count > 0 ? Addresses[0] : IPAddress.None;

    /// <summary>Interface a capture uses by default: <c>eth0</c> on hosts, <c>wan</c> on routers, <c>br0</c> on networks.</summary>
    public string DefaultInterface { get; }

    /// <summary>Runs a command in the namespace to completion (non-zero exit codes are returned, not thrown).</summary>
    public Task<ExecResult> ExecAsync(IReadOnlyList<string> command, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfZero(command.Count);
        return CommandRunner.RunAsync(["ip", "netns", "exec", NamespaceName, .. command], null, timeout, cancellationToken);
    }

    /// <summary>Runs a command in the namespace to completion.</summary>
    public Task<ExecResult> ExecAsync(string command, params string[] args) => ExecAsync([command, .. args]);

    /// <summary>Starts a long-running process in the namespace; dispose it to stop it.</summary>
    public LabProcess StartProcess(IReadOnlyList<string> command, IReadOnlyDictionary<string, string>? environment = null)
    {
        ArgumentOutOfRangeException.ThrowIfZero(command.Count);
        var process = new LabProcess(this, command, environment);
        RunState.AppendPid(Lab.StateRoot, Lab.RunName, process.Id);
        return process;
    }

    /// <summary>Starts a long-running process in the namespace; dispose it to stop it.</summary>
    public LabProcess StartProcess(string command, params string[] args) => StartProcess([command, .. args]);

    /// <summary>
    /// Runs <paramref name="work"/> on a thread inside the namespace. Sockets it creates belong to the namespace
    /// and can be used from any thread afterwards. For async work use <see cref="RunAsync(Func{Task})"/>.
    /// </summary>
    public Task<T> RunAsync<T>(Func<T> work) => _thread.Value.InvokeAsync(work);

    /// <inheritdoc cref="RunAsync{T}(Func{T})"/>
    public Task RunAsync(Action work) => _thread.Value.InvokeAsync(() =>
    {
        work();
        return true;
    });

    /// <summary>
    /// Runs async code inside the namespace: it starts on the namespace thread, and its continuations are posted back
    /// there (a synchronization context), so sockets created after an await land in the namespace too. Continuations
    /// that opt out (<c>ConfigureAwait(false)</c>, <c>Task.Run</c>) leave the namespace; never block on a task
    /// inside (one thread serves the whole namespace).
    /// </summary>
    public Task RunAsync(Func<Task> work) => _thread.Value.InvokeAsync(work).Unwrap();

    /// <inheritdoc cref="RunAsync(Func{Task})"/>
    public Task<T> RunAsync<T>(Func<Task<T>> work) => _thread.Value.InvokeAsync(work).Unwrap();

    /// <summary>Creates a socket in the namespace.</summary>
    public Socket OpenSocket(AddressFamily family, SocketType type, ProtocolType protocol) =>
        _thread.Value.Invoke(() => new Socket(family, type, protocol));

    /// <summary>Creates an IPv4 UDP socket in the namespace bound to <paramref name="bind"/> (default 0.0.0.0:0).</summary>
    public Socket OpenUdpSocket(IPEndPoint? bind = null)
    {
        var socket = OpenSocket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.Bind(bind ?? new IPEndPoint(IPAddress.Any, 0));
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Creates a listening TCP socket in the namespace.</summary>
    public Socket OpenTcpListener(IPEndPoint bind, int backlog = 128)
    {
        var socket = OpenSocket(bind.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(bind);
            socket.Listen(backlog);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Opens a TCP connection from the namespace.</summary>
    public async Task<Socket> ConnectTcpAsync(IPEndPoint remote, CancellationToken cancellationToken = default)
    {
        var socket = OpenSocket(remote.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(remote, cancellationToken);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>An HttpClient whose connections start in this namespace (use IP literals: name resolution is the host's).</summary>
    public HttpClient CreateHttpClient(TimeSpan? timeout = null)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, ct) =>
            {
                var endpoint = context.DnsEndPoint;
                if (!IPAddress.TryParse(endpoint.Host, out var ip))
                {
                    throw new NetsimException($"use an IP address, not '{endpoint.Host}', for HTTP from a lab node");
                }

                var socket = await ConnectTcpAsync(new IPEndPoint(ip, endpoint.Port), ct);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        return new HttpClient(handler) { Timeout = timeout ?? TimeSpan.FromSeconds(30) };
    }

    /// <summary>Waits until some socket in the namespace listens on TCP <paramref name="port"/>.</summary>
    public Task WaitForTcpPortAsync(int port, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        WaitForPortAsync("tcp", port, timeout, cancellationToken);

    /// <summary>Waits until some socket in the namespace is bound to UDP <paramref name="port"/>.</summary>
    public Task WaitForUdpPortAsync(int port, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        WaitForPortAsync("udp", port, timeout, cancellationToken);

    /// <summary>Starts tcpdump on an interface of the node (default <see cref="DefaultInterface"/>).</summary>
    /// <param name="interfaceName">Interface inside the namespace.</param>
    /// <param name="filter">A pcap filter, e.g. "udp port 3478".</param>
    /// <param name="filePath">Where the pcap goes; default: the run's state directory (removed with the lab).</param>
    /// <param name="cancellationToken">Cancels waiting for tcpdump to start.</param>
    public Task<PacketCapture> CaptureAsync(string? interfaceName = null, string? filter = null, string? filePath = null, CancellationToken cancellationToken = default)
    {
        var iface = interfaceName ?? DefaultInterface;
        var file = filePath ?? Path.Combine(Lab.StateDirectory, $"capture-{Name}-{iface}-{Interlocked.Increment(ref _blockCounter)}.pcap");
        return PacketCapture.StartAsync(this, iface, filter, file, cancellationToken);
    }

    /// <summary>
    /// Drops every packet matching an nftables match expression (e.g. <c>ip daddr 203.0.113.20 udp dport 3478</c>)
    /// that this node receives, sends or forwards, until the returned block is disposed.
    /// </summary>
    public Task<TrafficBlock> BlockAsync(string nftMatch, CancellationToken cancellationToken = default) =>
        BlockAsync([nftMatch], cancellationToken);

    /// <summary>Drops all traffic to and from <paramref name="peer"/> until the returned block is disposed.</summary>
    public Task<TrafficBlock> BlockPeerAsync(IPAddress peer, CancellationToken cancellationToken = default) =>
        BlockAsync([$"ip saddr {peer}", $"ip daddr {peer}"], cancellationToken);

    private async Task<TrafficBlock> BlockAsync(string[] nftMatches, CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _blockCounter);
        var chains = new[] { ("input", "in"), ("output", "out"), ("forward", "fwd") };
        var script = new System.Text.StringBuilder($"table inet {TrafficBlock.Table} {{\n");
        foreach (var (hook, suffix) in chains)
        {
            script.Append(CultureInfo.InvariantCulture, $"  chain b{id}{suffix} {{ type filter hook {hook} priority -50; policy accept;");
            foreach (var match in nftMatches)
            {
                script.Append(CultureInfo.InvariantCulture, $" {match} drop;");
            }

            script.Append(" }\n");
        }

        script.Append("}\n");
        await Lab.NftAsync(this, script.ToString(), cancellationToken);
        return new TrafficBlock(this, [.. chains.Select(c => $"b{id}{c.Item2}")], string.Join(" / ", nftMatches));
    }

    public override string ToString() => $"{Name} ({NamespaceName})";

    internal void ReleaseThread()
    {
        if (_thread.IsValueCreated)
        {
            _thread.Value.Dispose();
        }
    }

    private async Task WaitForPortAsync(string protocol, int port, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        var hex = port.ToString("X4", CultureInfo.InvariantCulture);
        while (true)
        {
            var found = await RunAsync(() => IsBound(protocol, hex));
            if (found)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"nothing {(protocol == "tcp" ? "listens on TCP" : "is bound to UDP")} port {port} in {Name} after {timeout.TotalSeconds:0.#}s");
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    /// <summary>Reads /proc/thread-self/net (this thread's namespace, unlike /proc/net which is the process's).</summary>
    private static bool IsBound(string protocol, string portHex)
    {
        foreach (var file in new[] { protocol, protocol + "6" })
        {
            var path = $"/proc/thread-self/net/{file}";
            if (!File.Exists(path))
            {
                continue;
            }

            foreach (var line in File.ReadLines(path).Skip(1))
            {
                var cols = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (cols.Length < 4)
                {
                    continue;
                }

                var local = cols[1];
                var portPart = local[(local.LastIndexOf(':') + 1)..];
                var listening = protocol != "tcp" || cols[3] == "0A";
                if (listening && string.Equals(portPart, portHex, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
