using System.Globalization;
using System.Text.Json;

namespace Nexodus.Mesh.Netsim;

/// <summary>
/// What a run left on disk in <c>/run/netsim/&lt;run&gt;/</c>: who owns it, its namespaces, node addresses, and the
/// pids of processes started in it. Written before the first namespace is created so a crash leaves a trail.
/// </summary>
internal sealed class RunState
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    public string Run { get; set; } = string.Empty;

    public string Scenario { get; set; } = string.Empty;

    /// <summary>Process that tears the run down on dispose; 0 for a detached run (made by <c>netsim up</c>).</summary>
    public int OwnerPid { get; set; }

    public long OwnerStartTime { get; set; }

    public DateTimeOffset Created { get; set; }

    public List<string> Namespaces { get; set; } = [];

    /// <summary>Node name → addresses, for <c>netsim list</c> and <c>netsim exec</c>.</summary>
    public Dictionary<string, List<string>> Nodes { get; set; } = [];

    public static string Directory(string stateRoot, string run) => Path.Combine(stateRoot, run);

    public void Save(string stateRoot)
    {
        var dir = Directory(stateRoot, Run);
        System.IO.Directory.CreateDirectory(dir);
        var tmp = Path.Combine(dir, "state.json.tmp");
        File.WriteAllText(tmp, JsonSerializer.Serialize(this, JsonOptions));
        File.Move(tmp, Path.Combine(dir, "state.json"), overwrite: true);
    }

    public static RunState? TryLoad(string stateRoot, string run)
    {
        var file = Path.Combine(Directory(stateRoot, run), "state.json");
        try
        {
            return JsonSerializer.Deserialize<RunState>(File.ReadAllText(file), JsonOptions);
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public static void AppendPid(string stateRoot, string run, int pid)
    {
        try
        {
            File.AppendAllText(Path.Combine(Directory(stateRoot, run), "pids"), pid.ToString(CultureInfo.InvariantCulture) + "\n");
        }
        catch (IOException)
        {
            // The pid file only helps sweeping; namespace membership finds the process too.
        }
    }

    public static IEnumerable<int> ReadPids(string stateRoot, string run)
    {
        var file = Path.Combine(Directory(stateRoot, run), "pids");
        if (!File.Exists(file))
        {
            return [];
        }

        return File.ReadAllLines(file)
            .Select(l => int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : 0)
            .Where(p => p > 0)
            .ToList();
    }

    /// <summary>Start time of a process in clock ticks since boot (field 22 of /proc/pid/stat); 0 if gone.</summary>
    public static long ProcessStartTime(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[19], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return 0;
        }
    }

    public bool OwnerAlive => OwnerPid > 0 && ProcessStartTime(OwnerPid) == OwnerStartTime;
}
