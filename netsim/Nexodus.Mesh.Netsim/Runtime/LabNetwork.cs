using Nexodus.Mesh.Netsim.Scenarios;

namespace Nexodus.Mesh.Netsim;

/// <summary>A network segment: a bridge (<c>br0</c>) in its own namespace; every attached node has a port <c>v-&lt;node&gt;</c>.</summary>
public sealed class LabNetwork : LabNode
{
    internal LabNetwork(Lab lab, NetworkSpec spec)
        : base(lab, spec.Name, [], "br0")
    {
        Spec = spec;
    }

    public NetworkSpec Spec { get; }

    /// <summary>True when this segment is part of the internet (no router has it as its LAN).</summary>
    public bool IsPublic => Lab.Scenario.IsPublic(Name);
}
