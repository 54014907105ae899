using System.Diagnostics;
using System.Globalization;

namespace Nexodus.Mesh.Control.Bench;

/// <summary>One N: a fresh control process, N devices joined and streaming, then the measured joins.</summary>
internal static class BenchRun
{
    // Devices joined before the memory baseline, so JIT, pools and caches that any first streams warm up are not
    // charged to the N idle devices.
    private const int WarmUp = 16;
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(60);

    public static async Task<BenchResult> RunAsync(string controlBin, IReadOnlyList<string> controlArgs, int n, int joins, int concurrency, TimeSpan hold)
    {
        Console.WriteLine($"== N = {n.ToString("N0", CultureInfo.InvariantCulture)} devices, {joins} measured joins (load average {ProcStats.LoadAverage()})");
        // Every device holds a connection: allow N of them plus room for the API calls.
        await using var control = await ControlProcess.StartAsync(controlBin, ["--max-connections", (n + 1024).ToString(CultureInfo.InvariantCulture), .. controlArgs]);
        using var admin = await AdminSession.LoginAsync(control.Url, control.AdminPassword);
        var vpc = await admin.NewOrganizationVpcAsync("bench");
        var key = await admin.MultiUseKeyAsync(vpc);
        using var fleet = new StreamFleet(control.Url);
        var next = 0;
        string Hostname() => "bench-" + Interlocked.Increment(ref next).ToString("D6", CultureInfo.InvariantCulture);

        await JoinManyAsync(fleet, key, WarmUp, concurrency, Hostname);
        await fleet.WaitQuietAsync(TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(30));
        var rss0 = ProcStats.Rss(control.Pid);
        var heap0 = await admin.MetricAsync("dotnet_total_memory_bytes");
        var cpu0 = ProcStats.Cpu(control.Pid);

        var sw = Stopwatch.StartNew();
        var lastReport = 0;
        var progress = new Progress<int>(done =>
        {
            if (done - lastReport >= Math.Max(1000, n / 10))
            {
                lastReport = done;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"   {done,6} joined and streaming after {sw.Elapsed.TotalSeconds:F1} s (control RSS {ProcStats.Rss(control.Pid) / 1048576.0:F0} MiB, {fleet.BytesRead / 1048576.0:F0} MiB read by the devices)"));
            }
        });
        await JoinManyAsync(fleet, key, n - WarmUp, concurrency, Hostname, progress);
        var setup = sw.Elapsed;
        var setupCpu = ProcStats.Cpu(control.Pid) - cpu0;
        await fleet.WaitQuietAsync(TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(120));
        // Idle: let heartbeats and the GC settle as they would on a quiet server.
        await Task.Delay(TimeSpan.FromSeconds(5));
        var rss1 = ProcStats.Rss(control.Pid);
        var heap1 = await admin.MetricAsync("dotnet_total_memory_bytes");
        var counted = n - WarmUp;
        var rssPer = (rss1 - rss0) / 1024.0 / counted;
        var heapPer = (heap1 - heap0) / 1024.0 / counted;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"   setup: {n} devices enrolled and streaming in {setup.TotalSeconds:F1} s ({counted / setup.TotalSeconds:F0} joins/s, control CPU {setupCpu.TotalSeconds:F1} s = {setupCpu.TotalMilliseconds / counted:F1} ms per join), {fleet.OpenStreams} streams open, {fleet.EndedStreams} ended, control fds {ProcStats.OpenFds(control.Pid)}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"   idle memory: control RSS {rss0 / 1048576.0:F0} -> {rss1 / 1048576.0:F0} MiB = {rssPer:F1} KiB per device; managed heap {heap0 / 1048576.0:F0} -> {heap1 / 1048576.0:F0} MiB = {heapPer:F1} KiB per device"));
        var trims = await admin.MetricAsync("nexodus_control_memory_trims_total");
        var trimSeconds = await admin.MetricAsync("nexodus_control_memory_trim_last_seconds");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"   idle memory trims so far: {trims:F0}{(trims > 0 ? $" (the last paused control {trimSeconds * 1000:F0} ms)" : "")}; Control:TrimQuietPeriod=0 turns them off"));

        if (hold > TimeSpan.Zero)
        {
            // For a look inside the idle control process (dotnet-gcdump, dotnet-counters) before the joins.
            Console.WriteLine($"   holding {hold.TotalSeconds} s: control pid {control.Pid}, {control.Url}");
            await Task.Delay(hold);
        }

        var latencies = new List<double>();
        var cpuProbe0 = ProcStats.Cpu(control.Pid);
        var complete = true;
        for (var j = 0; j < joins; j++)
        {
            var existing = fleet.OpenStreams;
            var hostname = Hostname();
            var probeKey = PendingKey.Create();
            var probe = new Probe(j, probeKey.NodeKey, existing) { StartTimestamp = Stopwatch.GetTimestamp() };
            fleet.ActiveProbe = probe;
            var credential = await fleet.EnrollAsync(key, hostname, probeKey);
            await fleet.OpenAsync(credential);
            try
            {
                var last = await probe.LastArrival.Task.WaitAsync(ProbeTimeout);
                latencies.Add(Stopwatch.GetElapsedTime(probe.StartTimestamp, last).TotalMilliseconds);
            }
            catch (TimeoutException)
            {
                Console.WriteLine($"   join {j}: {probe.Remaining} of {existing} streams never received it within {ProbeTimeout.TotalSeconds} s");
                complete = false;
                break;
            }
            finally
            {
                fleet.ActiveProbe = null;
            }

            // The probe device's own "online" delta follows; let it pass so joins do not overlap.
            await fleet.WaitQuietAsync(TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(30));
        }

        var cpuPerJoin = latencies.Count == 0 ? double.NaN : (ProcStats.Cpu(control.Pid) - cpuProbe0).TotalSeconds / latencies.Count;
        latencies.Sort();
        var p50 = Quantile(latencies, 0.50);
        var p99 = Quantile(latencies, 0.99);
        var max = latencies.Count == 0 ? double.NaN : latencies[^1];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"   join -> all {n} streams updated: p50 {p50:F0} ms, p99 {p99:F0} ms, max {max:F0} ms over {latencies.Count} joins; control CPU {cpuPerJoin:F3} s per join (includes the joining device's full map and its online delta); load average {ProcStats.LoadAverage()}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"   vs target: p99 {p99 / 1000:F2}x of 1 s, memory {rssPer / 32:F2}x of 32 KiB per idle device (managed heap alone {heapPer / 32:F2}x)"));
        fleet.Stopping = true;
        return new BenchResult(n, p50, p99, max, cpuPerJoin, rssPer, heapPer, counted / setup.TotalSeconds, complete);
    }

    private static async Task JoinManyAsync(StreamFleet fleet, string key, int count, int concurrency, Func<string> hostname, IProgress<int>? progress = null)
    {
        var done = 0;
        var workers = Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (Interlocked.Decrement(ref count) >= 0)
            {
                var credential = await fleet.EnrollAsync(key, hostname(), PendingKey.Create());
                await fleet.OpenAsync(credential);
                progress?.Report(Interlocked.Increment(ref done));
            }
        });
        await Task.WhenAll(workers);
    }

    /// <summary>Nearest-rank quantile; with fewer than 100 samples p99 is the maximum.</summary>
    private static double Quantile(List<double> sorted, double q) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)];
}
