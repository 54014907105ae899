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

    /// <summary>Endpoint-independent mapping and filtering ("full cone").</summary>
    public static NatSpec FullCone { get; } =
        new(MappingBehavior.EndpointIndependent, FilteringBehavior.EndpointIndependent, false, DefaultMappingTimeout);

    /// <summary>Endpoint-independent mapping, address-dependent filtering ("restricted cone").</summary>
    public static NatSpec RestrictedCone { get; } =
        new(MappingBehavior.EndpointIndependent, FilteringBehavior.AddressDependent, false, DefaultMappingTimeout);

    /// <summary>Address-dependent mapping and filtering.</summary>
    public static NatSpec AddressDependent { get; } =
        new(MappingBehavior.AddressDependent, FilteringBehavior.AddressDependent, false, DefaultMappingTimeout);

    /// <summary>Address-and-port-dependent mapping and filtering ("symmetric").</summary>
    public static NatSpec Symmetric { get; } =
        new(MappingBehavior.AddressAndPortDependent, FilteringBehavior.AddressAndPortDependent, false, DefaultMappingTimeout);

    /// <summary>Short name as used in scenario names: <c>eim-apdf</c>, with <c>-hairpin</c> when on.</summary>
    public string ShortName =>
        $"{ScenarioBuilder.ToText(Mapping)}-{ScenarioBuilder.ToText(Filtering)}{(Hairpin ? "-hairpin" : string.Empty)}";

    /// <summary>Parses a short name like <c>eim-apdf</c> or <c>apdm-apdf-hairpin</c> (default timeout).</summary>
    public static NatSpec Parse(string shortName)
    {
        var parts = shortName.Trim().ToLowerInvariant().Split('-');
        if (parts.Length is < 2 or > 3 || (parts.Length == 3 && parts[2] != "hairpin"))
        {
            throw new ScenarioException("nat", $"'{shortName}' is not a NAT short name like eim-apdf or apdm-apdf-hairpin");
        }

        return new NatSpec(
            ScenarioValidator.ParseMapping(parts[0], "nat.mapping", allowNone: false),
            ScenarioValidator.ParseFiltering(parts[1], "nat.filtering", allowNone: false),
            parts.Length == 3,
            DefaultMappingTimeout);
    }
}
