namespace Nexodus.Mesh.Node.Filter;

/// <summary>Inbound: decrypted from a peer, about to be written to the TUN. Outbound: read from the TUN, about to be encrypted.</summary>
internal enum FilterDirection : byte
{
    Inbound,
    Outbound,
}
