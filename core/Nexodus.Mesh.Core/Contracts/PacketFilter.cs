namespace Nexodus.Mesh.Core.Contracts;

/// <summary>
/// Allow-list compiled from the device's security group: traffic not matched by a rule is dropped.
/// Inbound rules name allowed sources, outbound rules allowed destinations, as concrete prefixes.
/// </summary>
public sealed record PacketFilter
{
    public IReadOnlyList<FilterRule> Inbound { get; init; } = [];

    public IReadOnlyList<FilterRule> Outbound { get; init; } = [];
}
