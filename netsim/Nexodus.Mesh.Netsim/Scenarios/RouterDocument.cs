namespace Nexodus.Mesh.Netsim.Scenarios;

/// <summary>A router entry of a scenario file; see <see cref="ScenarioDocument"/>.</summary>
internal sealed class RouterDocument
{
    public string? Wan { get; set; }

    public string? WanAddress { get; set; }

    public string? Lan { get; set; }

    public string? LanAddress { get; set; }

    public NatDocument? Nat { get; set; }

    public string? Firewall { get; set; }
}
