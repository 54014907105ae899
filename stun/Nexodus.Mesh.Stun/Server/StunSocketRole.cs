namespace Nexodus.Mesh.Stun.Server;

/// <summary>
/// Index of a server socket in the RFC 5780 layout: bit 0 = alternate port, bit 1 = alternate IP. A
/// CHANGE-REQUEST is then an XOR on the index of the socket the request arrived on.
/// </summary>
public enum StunSocketRole
{
    PrimaryIpPrimaryPort = 0,
    PrimaryIpAlternatePort = 1,
    AlternateIpPrimaryPort = 2,
    AlternateIpAlternatePort = 3,
}
