using System.Net;
using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.Core.Net;

namespace Nexodus.Mesh.Node.WireGuard;

/// <summary>One [Peer] section (also the unit of a UAPI peer update).</summary>
internal sealed class PeerConfig
{
    public PublicKey PublicKey { get; set; }

    public byte[]? PresharedKey { get; set; }

    public UdpEndpoint? Endpoint { get; set; }

    public List<IPNetwork> AllowedIps { get; } = [];

    public int PersistentKeepalive { get; set; }

    /// <summary>Line of the [Peer] header, for error messages.</summary>
    public int Line { get; set; }
}
