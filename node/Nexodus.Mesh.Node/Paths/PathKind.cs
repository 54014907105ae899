namespace Nexodus.Mesh.Node.Paths;

/// <summary>How a peer is reached right now.</summary>
internal enum PathKind
{
    /// <summary>No usable path (no relay connected and no direct path proven).</summary>
    None,

    /// <summary>Through the peer's home relay.</summary>
    Relay,

    /// <summary>UDP straight to an ip:port proven by a disco pong.</summary>
    Direct,
}
