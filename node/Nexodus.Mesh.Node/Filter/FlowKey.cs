namespace Nexodus.Mesh.Node.Filter;

/// <summary>
/// A flow seen from this node: local and remote address and port, protocol. Both directions of a flow map to the
/// same key (an outbound packet's source is local, an inbound packet's destination is). ICMP echo uses its
/// identifier and which side sent the request; protocols without ports track the address pair only.
/// </summary>
internal readonly struct FlowKey(bool isV6, byte protocol, UInt128 local, UInt128 remote, ushort localPort, ushort remotePort) : IEquatable<FlowKey>
{
    public bool IsV6 { get; } = isV6;

    public byte Protocol { get; } = protocol;

    public UInt128 Local { get; } = local;

    public UInt128 Remote { get; } = remote;

    public ushort LocalPort { get; } = localPort;

    public ushort RemotePort { get; } = remotePort;

    public static FlowKey For(FilterDirection direction, in PacketHeaders h)
    {
        if (h.IsIcmpEcho)
        {
            // Identifier, and which side asks: a ping we sent lets its replies in, not the peer's own pings with that id.
            var request = h.IcmpType is 8 or 128;
            var localAsks = request == (direction == FilterDirection.Outbound);
            return direction == FilterDirection.Outbound
                ? new FlowKey(h.IsV6, h.Protocol, h.Source, h.Destination, h.IcmpId, localAsks ? (ushort)0 : (ushort)1)
                : new FlowKey(h.IsV6, h.Protocol, h.Destination, h.Source, h.IcmpId, localAsks ? (ushort)0 : (ushort)1);
        }

        return direction == FilterDirection.Outbound
            ? new FlowKey(h.IsV6, h.Protocol, h.Source, h.Destination, h.SourcePort, h.DestinationPort)
            : new FlowKey(h.IsV6, h.Protocol, h.Destination, h.Source, h.DestinationPort, h.SourcePort);
    }

    /// <summary>The destination port of the flow's first packet, for re-checking it against a new filter.</summary>
    public ushort ServicePort(FilterDirection initiator) => initiator == FilterDirection.Inbound ? LocalPort : RemotePort;

    public bool Equals(FlowKey other) =>
        Local == other.Local && Remote == other.Remote && LocalPort == other.LocalPort && RemotePort == other.RemotePort
        && Protocol == other.Protocol && IsV6 == other.IsV6;

    public override bool Equals(object? obj) => obj is FlowKey other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Local, Remote, LocalPort | (RemotePort << 16), Protocol | (IsV6 ? 0x100 : 0));

    public static bool operator ==(FlowKey left, FlowKey right) => left.Equals(right);

    public static bool operator !=(FlowKey left, FlowKey right) => !left.Equals(right);
}
