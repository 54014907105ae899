namespace Nexodus.Mesh.Relay.Protocol;

/// <summary>
/// What a relayed packet carries, chosen by the sender. It only selects the destination's queue (disco packets
/// are few and must not wait behind a burst of data); unknown values are treated as data.
/// </summary>
public enum PacketKind : byte
{
    Data = 0,
    Disco = 1,
}
