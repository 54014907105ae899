using System.Globalization;

namespace Nexodus.Mesh.TestDoubles.WireGuard;

/// <summary>
/// Two network namespaces joined by a veth pair (192.168.&lt;n&gt;.1/24 and .2/24), for WireGuard interop tests
/// until netsim is available. Names carry the prefix "wgt&lt;pid&gt;x&lt;n&gt;" so a later run can sweep what a crashed
/// run left behind (only namespaces whose owning process is gone).
/// </summary>
public sealed class NamespacePair : IAsyncDisposable
{
    public const string Prefix = "wgt";
    private static int _counter;

    public NamespacePair()
    {
        Sweep();
        var n = Interlocked.Increment(ref _counter);
        Id = $"{Prefix}{Environment.ProcessId}x{n}";
        Subnet = 100 + (Environment.ProcessId + n) % 100;
        A = Id + "a";
        B = Id + "b";
        try
        {
            Shell.Check("ip", "netns", "add", A);
            Shell.Check("ip", "netns", "add", B);
            Shell.Check("ip", "link", "add", VethA, "type", "veth", "peer", "name", VethB);
            Shell.Check("ip", "link", "set", VethA, "netns", A);
            Shell.Check("ip", "link", "set", VethB, "netns", B);
            Shell.Check("ip", "-n", A, "addr", "add", AddressA + "/24", "dev", VethA);
            Shell.Check("ip", "-n", B, "addr", "add", AddressB + "/24", "dev", VethB);
            foreach (var (ns, dev) in new[] { (A, VethA), (B, VethB) })
            {
                Shell.Check("ip", "-n", ns, "link", "set", dev, "up");
                Shell.Check("ip", "-n", ns, "link", "set", "lo", "up");
            }
        }
        catch
        {
            Remove();
            throw;
        }
    }

    public string Id { get; }

    public int Subnet { get; }

    public string A { get; }

    public string B { get; }

    public string VethA => Id + "va";

    public string VethB => Id + "vb";

    public string AddressA => $"192.168.{Subnet}.1";

    public string AddressB => $"192.168.{Subnet}.2";

    /// <summary>Runs a command inside a namespace and returns exit code and output.</summary>
    public static (int ExitCode, string Output) Exec(string ns, TimeSpan timeout, params string[] command) =>
        Shell.Run("ip", ["netns", "exec", ns, .. command], timeout);

    public static BackgroundProcess Start(string ns, IDictionary<string, string>? env, params string[] command) =>
        Shell.Background("ip", ["netns", "exec", ns, .. command], env);

    public async ValueTask DisposeAsync()
    {
        await Task.Yield();
        Remove();
    }

    private void Remove()
    {
        foreach (var ns in new[] { A, B })
        {
            KillAll(ns);
            Shell.Run("ip", ["netns", "del", ns]);
        }
    }

    private static void KillAll(string ns)
    {
        var (code, pids) = Shell.Run("ip", ["netns", "pids", ns]);
        if (code != 0)
        {
            return;
        }

        foreach (var pid in pids.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            Shell.Run("kill", ["-KILL", pid]);
        }
    }

    /// <summary>Removes namespaces of earlier runs of this fixture whose process no longer exists.</summary>
    public static void Sweep()
    {
        var (code, list) = Shell.Run("ip", ["netns", "list"]);
        if (code != 0)
        {
            return;
        }

        foreach (var line in list.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = line.Split(' ')[0];
            if (!name.StartsWith(Prefix, StringComparison.Ordinal))
            {
                continue;
            }

            var digits = name[Prefix.Length..];
            var x = digits.IndexOf('x', StringComparison.Ordinal);
            if (x <= 0 || !int.TryParse(digits[..x], NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            if (pid != Environment.ProcessId && !Directory.Exists("/proc/" + pid.ToString(CultureInfo.InvariantCulture)))
            {
                KillAll(name);
                Shell.Run("ip", ["netns", "del", name]);
            }
        }
    }
}
