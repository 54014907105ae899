using System.Globalization;

namespace Nexodus.Mesh.Relay.Bench;

/// <summary>
/// CPU time (user + system) a process has used, from <c>/proc/PID/stat</c>. On a machine shared with other work
/// the throughput alone says little; throughput per CPU-second used says how efficient the relay is.
/// </summary>
internal static class CpuTime
{
    // USER_HZ is 100 on every Linux ABI .NET runs on.
    private const double TicksPerSecond = 100;

    public static TimeSpan Of(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var utime = long.Parse(fields[11], CultureInfo.InvariantCulture);
        var stime = long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds((utime + stime) / TicksPerSecond);
    }

    public static TimeSpan OfSelf() => Of(Environment.ProcessId);

    /// <summary>The 1-minute load average, printed with every figure: numbers from a busy machine mean little.</summary>
    public static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";
}
