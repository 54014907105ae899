namespace Nexodus.Mesh.Node.Filter;

/// <summary>
/// The fields of an IP packet the filter decides on. Addresses are 128-bit big-endian numbers; an IPv4 address sits
/// in the top 32 bits, so one prefix walk serves both families.
/// </summary>
internal struct PacketHeaders
{
    public bool IsV6;
    public byte Protocol;
    public UInt128 Source;
    public UInt128 Destination;

    /// <summary>TCP/UDP ports; 0 for other protocols and for non-first fragments.</summary>
    public ushort SourcePort;
    public ushort DestinationPort;
    public byte TcpFlags;
    public byte IcmpType;
    public ushort IcmpId;
    public FragmentKind Fragment;
    public uint FragmentId;

    /// <summary>Offset of the transport header inside the packet (ICMP errors: where the quoted packet starts - 8).</summary>
    public int TransportOffset;

    /// <summary>End of the IP datagram inside the span (the IP length field, not the buffer's).</summary>
    public int End;

    public const byte TcpFin = 0x01;
    public const byte TcpSyn = 0x02;
    public const byte TcpRst = 0x04;
    public const byte TcpAck = 0x10;

    public readonly bool IsIcmp => IsV6 ? Protocol == IpProtocolNumber.Icmpv6 : Protocol == IpProtocolNumber.Icmp;

    /// <summary>Echo request or reply: tracked by its identifier.</summary>
    public readonly bool IsIcmpEcho => IsIcmp && Fragment != FragmentKind.NonFirst && (IsV6 ? IcmpType is 128 or 129 : IcmpType is 8 or 0);

    /// <summary>Destination unreachable, packet too big, time exceeded, parameter problem: quotes the packet that caused it.</summary>
    public readonly bool IsIcmpError => IsIcmp && Fragment == FragmentKind.None && (IsV6 ? IcmpType is 1 or 2 or 3 or 4 : IcmpType is 3 or 11 or 12);

    public static UInt128 V4(uint address) => (UInt128)address << 96;
}
