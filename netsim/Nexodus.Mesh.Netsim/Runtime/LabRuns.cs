namespace Nexodus.Mesh.Netsim;

/// <summary>Finds, tears down and sweeps runs on this machine, including runs whose owner crashed.</summary>
public static class LabRuns
{
    /// <summary>All runs: those with state under the state root and those with only namespaces left.</summary>
    public static IReadOnlyList<LabRunInfo> List(string stateRoot = Naming.DefaultStateRoot)
    {
        var namespaces = ListNamespaces();
        var runs = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var ns in namespaces)
        {
            runs.Add(Naming.RunOf(ns)!);
        }

        if (Directory.Exists(stateRoot))
        {
            foreach (var dir in Directory.EnumerateDirectories(stateRoot))
            {
                var run = Path.GetFileName(dir);
                if (Naming.IsValidRunName(run))
                {
                    runs.Add(run);
                }
            }
        }

        var result = new List<LabRunInfo>();
        foreach (var run in runs)
        {
            var state = RunState.TryLoad(stateRoot, run);
            var nodes = state?.Nodes.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<string>)kv.Value, StringComparer.Ordinal)
                ?? new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
            result.Add(new LabRunInfo(
                run,
                state?.Scenario,
                state?.OwnerPid ?? 0,
                state?.OwnerAlive ?? false,
                namespaces.Where(n => Naming.RunOf(n) == run).ToList(),
                nodes));
        }

        return result;
    }

    /// <summary>Removes one run: kills its processes, deletes its namespaces and its state directory.</summary>
    /// <returns>False when nothing of that run existed.</returns>
    public static async Task<bool> DownAsync(string run, string stateRoot = Naming.DefaultStateRoot, CancellationToken cancellationToken = default)
    {
        Naming.CheckRunName(run);
        var namespaces = ListNamespaces().Where(n => Naming.RunOf(n) == run).ToList();
        var stateDir = RunState.Directory(stateRoot, run);
        var existed = namespaces.Count > 0 || Directory.Exists(stateDir);

        // Processes first: a namespace with a live process in it outlives `ip netns del`.
        var pids = new HashSet<int>();
        foreach (var ns in namespaces)
        {
            var r = await CommandRunner.RunAsync(["ip", "netns", "pids", ns], cancellationToken: cancellationToken);
            foreach (var line in r.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (int.TryParse(line, System.Globalization.CultureInfo.InvariantCulture, out var pid))
                {
                    pids.Add(pid);
                }
            }
        }

        // Pids recorded at start are checked against the namespace list above to avoid killing a reused pid;
        // the file only matters for processes that already left the namespace (none today), so it is advisory.
        pids.Remove(Environment.ProcessId);
        foreach (var pid in pids)
        {
            NativeMethods.kill(pid, NativeMethods.SigKill);
        }

        for (var i = 0; i < 50 && pids.Any(p => Directory.Exists($"/proc/{p}")); i++)
        {
            await Task.Delay(20, cancellationToken);
        }

        foreach (var ns in namespaces)
        {
            var r = await CommandRunner.RunAsync(["ip", "netns", "del", ns], cancellationToken: cancellationToken);
            if (!r.Succeeded && File.Exists(Path.Combine(Naming.NetnsDirectory, ns)))
            {
                throw new NetsimException($"cannot delete namespace {ns}: {r.StandardError.Trim()}");
            }
        }

        if (Directory.Exists(stateDir))
        {
            Directory.Delete(stateDir, recursive: true);
        }

        return existed;
    }

    /// <summary>
    /// Removes every run whose owner is gone: crashed test processes and detached <c>netsim up</c> runs.
    /// With <paramref name="includeLive"/> also runs whose owner still runs (never use that from a test:
    /// other test processes on this machine may own them).
    /// </summary>
    /// <returns>The runs removed.</returns>
    public static async Task<IReadOnlyList<string>> SweepAsync(bool includeLive = false, string stateRoot = Naming.DefaultStateRoot, CancellationToken cancellationToken = default)
    {
        var removed = new List<string>();
        foreach (var run in List(stateRoot))
        {
            if (run.OwnerAlive && !includeLive)
            {
                continue;
            }

            if (await DownAsync(run.Run, stateRoot, cancellationToken))
            {
                removed.Add(run.Run);
            }
        }

        return removed;
    }

    internal static List<string> ListNamespaces()
    {
        if (!Directory.Exists(Naming.NetnsDirectory))
        {
            return [];
        }

        return Directory.EnumerateFiles(Naming.NetnsDirectory)
            .Select(Path.GetFileName)
            .Where(n => n is not null && Naming.RunOf(n) is not null)
            .Select(n => n!)
            .Order(StringComparer.Ordinal)
            .ToList();
    }
}
