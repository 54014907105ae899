namespace Nexodus.Mesh.Node.Filter;

/// <summary>Why the packet filter dropped a packet (<see cref="None"/>: it did not).</summary>
internal enum FilterDropReason : byte
{
    None,

    /// <summary>No rule admits the packet and it belongs to no tracked flow.</summary>
    NotAllowed,

    /// <summary>Truncated or inconsistent IP/transport header.</summary>
    Malformed,

    /// <summary>An IPv6 extension-header chain longer than the parser walks.</summary>
    UnsupportedHeader,

    /// <summary>A non-first fragment whose first fragment was not admitted (or is too old).</summary>
    Fragment,

    /// <summary>The rules admit a new flow but the connection-tracking table is full.</summary>
    TableFull,
}
