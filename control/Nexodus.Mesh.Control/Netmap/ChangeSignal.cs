namespace Nexodus.Mesh.Control.Netmap;

/// <summary>"These VPCs changed" (or every VPC, e.g. after a relay map change); carries no data, maps are recomputed.</summary>
internal sealed record ChangeSignal(IReadOnlyList<Guid> VpcIds, bool All)
{
    public static ChangeSignal Everything { get; } = new([], true);
}
