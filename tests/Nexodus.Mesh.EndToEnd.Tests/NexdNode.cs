using System.Collections.Concurrent;
using Nexodus.Mesh.Netsim;

namespace Nexodus.Mesh.EndToEnd.Tests;

/// <summary>
/// One real `nexd up` process in a lab host's namespace. Every stdout line is timestamped when it arrives, so tests
/// can measure from events ("state Running", "peer X path direct ...") without polling.
/// </summary>
internal sealed class NexdNode : IAsyncDisposable
{
    public static readonly TimeSpan Startup = TimeSpan.FromSeconds(120);

    private readonly ConcurrentQueue<(DateTimeOffset At, string Line)> _timeline = new();
    private readonly CancellationTokenSource _stop = new();
    private LabProcess _process;

    private NexdNode(LabHost host, string hostname, string stateDir, LabProcess process)
    {
        Host = host;
        Hostname = hostname;
        StateDir = stateDir;
        _process = process;
        Tap(process);
    }

    public LabHost Host { get; }

    public string Hostname { get; }

    public string StateDir { get; }

    /// <summary>The tunnel IPv4 address control assigned (known after enrollment).</summary>
    public string? TunnelIp { get; private set; }

    public LabProcess Process => _process;

    /// <summary>Starts `nexd up` in <paramref name="host"/> with a fresh state dir under the lab's temp root.</summary>
    public static NexdNode Start(LabHost host, string controlUrl, string regKey, string? hostname = null)
    {
        var name = hostname ?? host.Name;
        var stateDir = Path.Combine(Path.GetTempPath(), "nexodus-e2e-state-" + Guid.NewGuid().ToString("N")[..8]);
        return new NexdNode(host, name, stateDir, Launch(host, controlUrl, name, stateDir, regKey));
    }

    /// <summary>`nexd up` argv for the lab: a short interface name (15 chars max), verbose logs for failure output.</summary>
    public static List<string> Argv(string controlUrl, string hostname, string stateDir, string? regKey)
    {
        List<string> argv = ["dotnet", BinaryPaths.Nexd, "up", "--control", controlUrl, "--state-dir", stateDir, "--hostname", hostname,
            "--interface", "nx0", "--local-api", "off", "--verbose"]; // the default socket path is one per machine
        if (regKey is not null)
        {
            argv.AddRange(["--reg-key", regKey]);
        }

        return argv;
    }

    private static LabProcess Launch(LabHost host, string controlUrl, string hostname, string stateDir, string? regKey) =>
        host.StartProcess(Argv(controlUrl, hostname, stateDir, regKey));

    /// <summary>Waits for enrollment (learns the tunnel address) and the first applied netmap.</summary>
    public async Task<DateTimeOffset> WaitRunningAsync()
    {
        var enrolled = await _process.WaitForOutputAsync(l => l.StartsWith($"nexd: enrolled as {Hostname} ", StringComparison.Ordinal), Startup, "enrollment");
        TunnelIp = enrolled.Split(' ')[4];
        await _process.WaitForOutputAsync("nexd: state Running", Startup);
        return FirstAt(l => l == "nexd: state Running") ?? DateTimeOffset.UtcNow;
    }

    /// <summary>When a line matching <paramref name="match"/> was first printed, or null.</summary>
    public DateTimeOffset? FirstAt(Func<string, bool> match, DateTimeOffset? after = null)
    {
        foreach (var (at, line) in _timeline)
        {
            if ((after is null || at >= after) && match(line))
            {
                return at;
            }
        }

        return null;
    }

    /// <summary>The last `nexd: peer H path ...` line for <paramref name="peer"/>: "direct ADDR", "relay REGION" or "none".</summary>
    public string? PathTo(string peer)
    {
        var prefix = $"nexd: peer {peer} path ";
        string? last = null;
        foreach (var (_, line) in _timeline)
        {
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                last = line[prefix.Length..];
            }
        }

        return last;
    }

    /// <summary>Waits until <paramref name="peer"/>'s path line starts with <paramref name="kind"/> ("direct", "relay"), printed after <paramref name="after"/>.</summary>
    public async Task<DateTimeOffset> WaitPathAsync(string peer, string kind, TimeSpan timeout, DateTimeOffset? after = null)
    {
        var prefix = $"nexd: peer {peer} path {kind}";
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (true)
        {
            if (FirstAt(l => l.StartsWith(prefix, StringComparison.Ordinal), after) is { } at)
            {
                return at;
            }

            if (DateTimeOffset.UtcNow > deadline || _process.HasExited)
            {
                throw new TimeoutException($"{Hostname}: no '{prefix}' within {timeout.TotalSeconds:0}s; output:\n{_process.Output}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Stops with SIGTERM (exit code returned) without deleting the state dir.</summary>
    public async Task<int> StopAsync()
    {
        _process.Signal(15);
        return await _process.WaitForExitAsync(TimeSpan.FromSeconds(20));
    }

    /// <summary>Starts `nexd up` again on the same state dir (no registration key: the stored identity is used).</summary>
    public async Task RestartAsync(string controlUrl)
    {
        await _process.DisposeAsync();
        _process = Launch(Host, controlUrl, Hostname, StateDir, null);
        Tap(_process);
    }

    private void Tap(LabProcess process)
    {
        // A waiter that never matches sees every line as it arrives: the timestamp is the arrival time.
        _ = process.WaitForOutputAsync(
            l =>
            {
                _timeline.Enqueue((DateTimeOffset.UtcNow, l));
                return false;
            },
            TimeSpan.FromDays(1),
            "nothing (timeline tap)",
            _stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _process.DisposeAsync();
        _stop.Dispose();
        try
        {
            Directory.Delete(StateDir, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
