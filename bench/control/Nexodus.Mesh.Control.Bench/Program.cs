using System.Diagnostics;
using System.Globalization;
using Nexodus.Mesh.Control.Bench;

// bench/control: N simulated devices hold netmap streams on one real nexodus-control process (SQLite, allow-all
// default security group); then measured joins: a new device enrolls and connects at t0, and the join's latency is
// the time until the LAST existing stream has received the delta naming it. Prints p50/p99, control CPU seconds per
// join (from /proc/PID/stat), and memory per idle device (control RSS and managed heap delta from before the N
// devices connected to after they are all idle, divided by N), each next to the target.
// Usage: Nexodus.Mesh.Control.Bench --control-bin PATH [--devices 1000,10000] [--joins 50] [--concurrency 16]
//        [--control-arg ARG]... [--hold-seconds S]  (S: pause after the idle measurement, to inspect control)
var controlBin = "";
var sizes = new List<int> { 1000 };
var joins = 50;
var concurrency = 16;
var controlArgs = new List<string>();
var hold = TimeSpan.Zero;
for (var i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--control-bin": controlBin = Next(); break;
        case "--devices": sizes = [.. Next().Split(',').Select(x => int.Parse(x, CultureInfo.InvariantCulture))]; break;
        case "--joins": joins = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--concurrency": concurrency = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--control-arg": controlArgs.Add(Next()); break;
        case "--hold-seconds": hold = TimeSpan.FromSeconds(int.Parse(Next(), CultureInfo.InvariantCulture)); break;
        default:
            Console.Error.WriteLine($"bench: unknown argument {args[i]}");
            return 2;
    }
}

if (!File.Exists(controlBin) || sizes.Any(n => n < 20) || joins < 1 || concurrency < 1)
{
    Console.Error.WriteLine("usage: Nexodus.Mesh.Control.Bench --control-bin PATH [--devices 1000,10000] [--joins 50] [--concurrency 16] [--control-arg ARG]...  (N >= 20)");
    return 2;
}

ThreadPool.GetMinThreads(out var workers, out var io);
ThreadPool.SetMinThreads(Math.Max(workers, 32), io);
var results = new List<BenchResult>();
foreach (var n in sizes)
{
    results.Add(await BenchRun.RunAsync(controlBin, controlArgs, n, joins, concurrency, hold));
}

Console.WriteLine();
Console.WriteLine("== bench/control summary (targets: join->all-updated p99 < 1 s at 10,000 devices, <= 32 KiB per idle device)");
Console.WriteLine($"{"N",7} {"p50 ms",8} {"p99 ms",8} {"max ms",8} {"p99/target",10} {"CPU s/join",10} {"RSS KiB/dev",11} {"heap KiB/dev",12} {"mem/target",10} {"enroll/s",9}");
foreach (var r in results)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{r.Devices,7} {r.P50Ms,8:F0} {r.P99Ms,8:F0} {r.MaxMs,8:F0} {r.P99Ms / 1000,10:F2} {r.CpuPerJoin,10:F3} {r.RssPerDeviceKiB,11:F1} {r.HeapPerDeviceKiB,12:F1} {r.RssPerDeviceKiB / 32,10:F2} {r.EnrollPerSecond,9:F0}"));
}

return results.All(r => r.Complete) ? 0 : 1;
