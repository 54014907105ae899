namespace Nexodus.Mesh.Core.Contracts;

public sealed record RelayRegionInfo
{
    public int RegionId { get; init; }

    public string Code { get; init; } = "";

    public string Name { get; init; } = "";

    /// <summary>True when the region is operated by the device's organization rather than globally.</summary>
    public bool OrganizationOperated { get; init; }

    public IReadOnlyList<RelayNodeInfo> Nodes { get; init; } = [];
}
