namespace Nexodus.Mesh.Core.Contracts;

public sealed record RelayMap
{
    public IReadOnlyList<RelayRegionInfo> Regions { get; init; } = [];
}
