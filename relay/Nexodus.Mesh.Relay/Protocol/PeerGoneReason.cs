namespace Nexodus.Mesh.Relay.Protocol;

/// <summary>
/// Why a peer is gone. A key that is connected but shares no VPC with the sender is reported as
/// <see cref="NotHere"/> too, so the relay is not an oracle for who is online in other tenants.
/// </summary>
public enum PeerGoneReason : byte
{
    /// <summary>The peer was connected and has disconnected.</summary>
    Disconnected = 0,

    /// <summary>No reachable peer with that key (never connected, or not visible to the sender).</summary>
    NotHere = 1,
}
