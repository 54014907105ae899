namespace Nexodus.Mesh.Control.Netmap;

/// <summary>
/// "These VPCs changed" (or every VPC, e.g. after a relay map change); carries no data, maps are re-read.
/// <see cref="DeviceIds"/> narrows a change to those devices of the (single) VPC named, so the hub re-reads only their
/// rows; null means anything in the VPCs may have changed (groups, the VPC itself, several devices) and they are re-read whole.
/// </summary>
internal sealed record ChangeSignal(IReadOnlyList<Guid> VpcIds, bool All, IReadOnlyList<Guid>? DeviceIds = null)
{
    public static ChangeSignal Everything { get; } = new([], true);

    public static ChangeSignal Devices(Guid vpcId, params Guid[] deviceIds) => new([vpcId], false, deviceIds);
}
