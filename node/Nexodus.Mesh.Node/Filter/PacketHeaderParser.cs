using System.Buffers.Binary;

namespace Nexodus.Mesh.Node.Filter;

/// <summary>
/// Reads the headers the filter needs from an untrusted IP packet. Never throws: a packet that is truncated or
/// inconsistent is reported as <see cref="FilterDropReason.Malformed"/>.
/// </summary>
internal static class PacketHeaderParser
{
    /// <summary>IPv6 extension headers walked before giving up (the chain is attacker-controlled).</summary>
    public const int MaxExtensionHeaders = 8;

    /// <summary>
    /// Parses <paramref name="packet"/>. With <paramref name="quoted"/> the packet is the copy inside an ICMP error:
    /// it may be cut short after 8 transport bytes and its length field may exceed what is there.
    /// </summary>
    public static FilterDropReason Parse(ReadOnlySpan<byte> packet, bool quoted, out PacketHeaders headers)
    {
        headers = default;
        if (packet.IsEmpty)
        {
            return FilterDropReason.Malformed;
        }

        return (packet[0] >> 4) switch
        {
            4 => ParseV4(packet, quoted, ref headers),
            6 => ParseV6(packet, quoted, ref headers),
            _ => FilterDropReason.Malformed,
        };
    }

    //  0                   1                   2                   3
    //  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    // |Version|  IHL  |Type of Service|          Total Length         |
    // |         Identification        |Flags|      Fragment Offset    |
    // |  Time to Live |    Protocol   |         Header Checksum       |
    // |                       Source Address                          |
    // |                    Destination Address                        |
    private static FilterDropReason ParseV4(ReadOnlySpan<byte> p, bool quoted, ref PacketHeaders h)
    {
        if (p.Length < 20)
        {
            return FilterDropReason.Malformed;
        }

        var ihl = (p[0] & 0x0f) * 4;
        var total = BinaryPrimitives.ReadUInt16BigEndian(p[2..]);
        if (ihl < 20 || ihl > p.Length)
        {
            return FilterDropReason.Malformed;
        }

        int end;
        if (quoted)
        {
            end = Math.Min(total, p.Length);
            if (end < ihl)
            {
                end = ihl;
            }
        }
        else
        {
            if (total < ihl || total > p.Length)
            {
                return FilterDropReason.Malformed;
            }

            end = total;
        }

        h.IsV6 = false;
        h.Protocol = p[9];
        h.Source = PacketHeaders.V4(BinaryPrimitives.ReadUInt32BigEndian(p[12..]));
        h.Destination = PacketHeaders.V4(BinaryPrimitives.ReadUInt32BigEndian(p[16..]));
        h.End = end;
        var flagsOffset = BinaryPrimitives.ReadUInt16BigEndian(p[6..]);
        h.FragmentId = BinaryPrimitives.ReadUInt16BigEndian(p[4..]);
        if ((flagsOffset & 0x1fff) != 0)
        {
            h.Fragment = FragmentKind.NonFirst;
            return FilterDropReason.None;
        }

        h.Fragment = (flagsOffset & 0x2000) != 0 ? FragmentKind.First : FragmentKind.None;
        return ParseTransport(p[..end], ihl, quoted, ref h);
    }

    // Fixed header: version/class/flow (4), payload length (2), next header (1), hop limit (1), source (16), destination (16).
    // Extension headers: next header (1), length (1, in 8-octet units not counting the first 8; AH: 4-octet units - 2).
    // Fragment header: next header (1), reserved (1), offset (13 bits) res (2) M (1), identification (4).
    private static FilterDropReason ParseV6(ReadOnlySpan<byte> p, bool quoted, ref PacketHeaders h)
    {
        if (p.Length < 40)
        {
            return FilterDropReason.Malformed;
        }

        var payload = BinaryPrimitives.ReadUInt16BigEndian(p[4..]);
        int end;
        if (quoted)
        {
            end = Math.Min(40 + payload, p.Length);
        }
        else
        {
            if (40 + payload > p.Length)
            {
                return FilterDropReason.Malformed;
            }

            end = 40 + payload;
        }

        h.IsV6 = true;
        h.Source = BinaryPrimitives.ReadUInt128BigEndian(p[8..]);
        h.Destination = BinaryPrimitives.ReadUInt128BigEndian(p[24..]);
        h.End = end;
        var next = p[6];
        var offset = 40;
        for (var i = 0; i <= MaxExtensionHeaders; i++)
        {
            switch (next)
            {
                case IpProtocolNumber.HopByHop or IpProtocolNumber.Routing or IpProtocolNumber.DestinationOptions or IpProtocolNumber.Mobility
                    or IpProtocolNumber.Hip or IpProtocolNumber.Shim6 or IpProtocolNumber.Experimental1 or IpProtocolNumber.Experimental2:
                    if (offset + 8 > end)
                    {
                        return FilterDropReason.Malformed;
                    }

                    next = p[offset];
                    offset += (p[offset + 1] + 1) * 8;
                    break;
                case IpProtocolNumber.Ah:
                    if (offset + 8 > end)
                    {
                        return FilterDropReason.Malformed;
                    }

                    next = p[offset];
                    offset += (p[offset + 1] + 2) * 4;
                    break;
                case IpProtocolNumber.Fragment:
                    if (offset + 8 > end)
                    {
                        return FilterDropReason.Malformed;
                    }

                    var fragmentOffset = BinaryPrimitives.ReadUInt16BigEndian(p[(offset + 2)..]);
                    h.FragmentId = BinaryPrimitives.ReadUInt32BigEndian(p[(offset + 4)..]);
                    next = p[offset];
                    offset += 8;
                    if ((fragmentOffset >> 3) != 0)
                    {
                        h.Protocol = next;
                        h.Fragment = FragmentKind.NonFirst;
                        return FilterDropReason.None;
                    }

                    // An atomic fragment (offset 0, M clear, RFC 6946) is a whole datagram.
                    h.Fragment = (fragmentOffset & 1) != 0 ? FragmentKind.First : FragmentKind.None;
                    break;
                default:
                    h.Protocol = next;
                    return offset > end ? FilterDropReason.Malformed : ParseTransport(p[..end], offset, quoted, ref h);
            }

            if (offset > end)
            {
                return FilterDropReason.Malformed;
            }
        }

        return FilterDropReason.UnsupportedHeader;
    }

    private static FilterDropReason ParseTransport(ReadOnlySpan<byte> p, int offset, bool quoted, ref PacketHeaders h)
    {
        h.TransportOffset = offset;
        var t = p[offset..];
        switch (h.Protocol)
        {
            case IpProtocolNumber.Tcp:
                // A first fragment too short for the whole TCP header is the RFC 1858 tiny-fragment attack; a quoted
                // header needs only the ports (ICMP errors quote 8 bytes).
                if (t.Length < (quoted ? 8 : 20))
                {
                    return FilterDropReason.Malformed;
                }

                h.SourcePort = BinaryPrimitives.ReadUInt16BigEndian(t);
                h.DestinationPort = BinaryPrimitives.ReadUInt16BigEndian(t[2..]);
                if (!quoted)
                {
                    h.TcpFlags = t[13];
                }

                return FilterDropReason.None;
            case IpProtocolNumber.Udp:
                if (t.Length < 8)
                {
                    return FilterDropReason.Malformed;
                }

                h.SourcePort = BinaryPrimitives.ReadUInt16BigEndian(t);
                h.DestinationPort = BinaryPrimitives.ReadUInt16BigEndian(t[2..]);
                return FilterDropReason.None;
            case IpProtocolNumber.Icmp when !h.IsV6:
            case IpProtocolNumber.Icmpv6 when h.IsV6:
                // type, code, checksum, then 4 bytes whose meaning depends on the type (echo: identifier, sequence).
                if (t.Length < 8)
                {
                    return FilterDropReason.Malformed;
                }

                h.IcmpType = t[0];
                h.IcmpId = BinaryPrimitives.ReadUInt16BigEndian(t[4..]);
                return FilterDropReason.None;
            default:
                return FilterDropReason.None;
        }
    }
}
