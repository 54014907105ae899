using Microsoft.Extensions.Logging;

namespace Nexodus.Mesh.Netsim;

/// <summary>Options for <see cref="Lab.StartAsync(Scenarios.Scenario, LabOptions?, CancellationToken)"/>.</summary>
public sealed class LabOptions
{
    /// <summary>Run name (1-8 lowercase letters/digits); default a random one. Must not be in use.</summary>
    public string? RunName { get; set; }

    /// <summary>Where run state (owner, pids, captures) lives; default <c>/run/netsim</c>.</summary>
    public string StateRoot { get; set; } = Naming.DefaultStateRoot;

    public ILogger? Logger { get; set; }
}
