namespace Nexodus.Mesh.Netsim.Scenarios;

/// <summary>The NAT behaviour of one router (applies to UDP; TCP gets plain port-preserving masquerade).</summary>
/// <param name="Mapping">Mapping behaviour; <see cref="MappingBehavior.None"/> is not allowed on a router.</param>
/// <param name="Filtering">Filtering behaviour; <see cref="FilteringBehavior.None"/> is not allowed on a router.</param>
/// <param name="Hairpin">Whether a LAN host can reach another LAN host through its public mapping.</param>
/// <param name="MappingTimeout">Idle time after which a UDP mapping (and its filter state) is forgotten.</param>
public sealed record NatSpec(MappingBehavior Mapping, FilteringBehavior Filtering, bool Hairpin, TimeSpan MappingTimeout)
{
    /// <summary>Default idle timeout of a mapping, the Linux conntrack "stream" UDP timeout.</summary>
    public static readonly TimeSpan DefaultMappingTimeout = TimeSpan.FromSeconds(120);

    /// <summary>Endpoint-independent mapping, address-and-port-dependent filtering: what Linux masquerade does.</summary>
    public static NatSpec PortRestrictedCone { get; } =
        new(MappingBehavior.EndpointIndependent, FilteringBehavior.AddressAndPortDependent, false, DefaultMappingTimeout);
}
