namespace Nexodus.Mesh.Netsim.Scenarios;

/// <summary>The <c>nat</c> block of a router entry; see <see cref="ScenarioDocument"/>.</summary>
internal sealed class NatDocument
{
    public string? Mapping { get; set; }

    public string? Filtering { get; set; }

    public string? Hairpin { get; set; }

    public string? MappingTimeout { get; set; }
}
