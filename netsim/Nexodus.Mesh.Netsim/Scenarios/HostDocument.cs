namespace Nexodus.Mesh.Netsim.Scenarios;

/// <summary>A host entry of a scenario file; see <see cref="ScenarioDocument"/>.</summary>
internal sealed class HostDocument
{
    public string? Network { get; set; }

    public string? Address { get; set; }

    public List<string?>? Addresses { get; set; }
}
