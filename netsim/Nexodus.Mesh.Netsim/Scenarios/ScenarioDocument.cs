namespace Nexodus.Mesh.Netsim.Scenarios;

/// <summary>
/// The scenario file as written (YAML or JSON). Every scalar is a string so that a bad value is reported by the
/// validator with the field's path instead of by the deserializer with a type name.
/// </summary>
internal sealed class ScenarioDocument
{
    public string? Name { get; set; }

    public string? Description { get; set; }

    public ExpectDocument? Expect { get; set; }

    public Dictionary<string, string?>? Networks { get; set; }

    public Dictionary<string, RouterDocument?>? Routers { get; set; }

    public Dictionary<string, HostDocument?>? Hosts { get; set; }
}
