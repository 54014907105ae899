namespace Nexodus.Mesh.Netsim;

/// <summary>A run found on this machine (see <see cref="LabRuns.List"/>).</summary>
/// <param name="Run">Run name.</param>
/// <param name="Scenario">Scenario name, or null when the run's state is gone (crash before it was written).</param>
/// <param name="OwnerPid">Owning process, 0 when detached (<c>netsim up</c>).</param>
/// <param name="OwnerAlive">Whether the owning process still runs; runs with a dead owner are swept.</param>
/// <param name="Namespaces">Its network namespaces that exist now.</param>
/// <param name="Nodes">Node name → addresses.</param>
public sealed record LabRunInfo(
    string Run,
    string? Scenario,
    int OwnerPid,
    bool OwnerAlive,
    IReadOnlyList<string> Namespaces,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Nodes);
