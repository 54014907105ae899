namespace Nexodus.Mesh.Netsim.Scenarios;

/// <summary>The <c>expect</c> block of a scenario file; see <see cref="ScenarioExpectation"/>.</summary>
internal sealed class ExpectDocument
{
    public string? Host { get; set; }

    public string? Server { get; set; }

    public string? Mapping { get; set; }

    public string? Filtering { get; set; }

    public string? Hairpin { get; set; }

    public string? Udp { get; set; }

    public string? NatLayers { get; set; }
}
