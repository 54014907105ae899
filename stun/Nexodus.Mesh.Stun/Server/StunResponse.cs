namespace Nexodus.Mesh.Stun.Server;

/// <summary>
/// The decision for one request: answer (with <see cref="Length"/> bytes, from socket <see cref="SendFrom"/>)
/// or drop (with a reason). <see cref="ResponsePort"/> is non-zero when the request carried RESPONSE-PORT: the
/// answer then goes to the request's source IP at that port.
/// </summary>
public readonly record struct StunResponse(StunResponseKind Kind, int Length, int SendFrom, StunDropReason DropReason, bool Classic, ushort ResponsePort = 0)
{
    public static StunResponse Drop(StunDropReason reason) => new(StunResponseKind.Dropped, 0, -1, reason, false);
}
