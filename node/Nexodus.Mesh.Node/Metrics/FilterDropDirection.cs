namespace Nexodus.Mesh.Node.Metrics;

/// <summary>Which way a packet the packet filter dropped was going (metrics label values are the lower-case names).</summary>
internal enum FilterDropDirection
{
    /// <summary>From a peer, before it reaches the TUN device.</summary>
    Inbound,

    /// <summary>From the TUN device, before it is encrypted to a peer.</summary>
    Outbound,
}
