using System.Buffers.Binary;

namespace Nexodus.Mesh.Node.Tun;

/// <summary>
/// Cuts a TCP super-packet the kernel handed over with TSO (virtio_net_hdr gso_type TCPV4/TCPV6) into
/// MSS-sized IP packets, doing what a NIC would: each segment gets a copy of the IP and TCP headers, its
/// sequence number advanced by the payload before it, IPv4 total length / ID / header checksum or IPv6 payload
/// length fixed, FIN and PSH kept only on the last segment and CWR only on the first, and a full TCP checksum.
/// Also completes the checksum of a single packet flagged NEEDS_CSUM. Pure functions on spans, so they are tested
/// against byte vectors without a TUN device.
/// </summary>
internal static class TsoSegmenter
{
    private const byte ProtoTcp = 6;
    private const byte TcpFin = 0x01;
    private const byte TcpPsh = 0x08;
    private const byte TcpCwr = 0x80;

    /// <summary>
    /// Checks a super-packet and works out its layout. False (drop) for anything that is not a well-formed IPv4/IPv6
    /// TCP packet matching the header's GSO type, or whose segments would not fit in <paramref name="maxSegmentLength"/>.
    /// </summary>
    public static bool TryPlan(ReadOnlySpan<byte> packet, in VirtioNetHdr hdr, int maxSegmentLength, out TsoPlan plan)
    {
        plan = default;
        if (hdr.GsoSize == 0 || packet.Length < 20)
        {
            return false;
        }

        var version = packet[0] >> 4;
        int ipHeaderLength;
        if (hdr.Gso == VirtioNetHdr.GsoTcpV4 && version == 4)
        {
            ipHeaderLength = (packet[0] & 0x0F) * 4;
            if (ipHeaderLength < 20 || packet[9] != ProtoTcp || BinaryPrimitives.ReadUInt16BigEndian(packet[2..]) != packet.Length)
            {
                return false;
            }
        }
        else if (hdr.Gso == VirtioNetHdr.GsoTcpV6 && version == 6)
        {
            // Extension headers are not cut: the kernel does not use them for its own TCP.
            ipHeaderLength = 40;
            if (packet.Length < 40 || packet[6] != ProtoTcp || BinaryPrimitives.ReadUInt16BigEndian(packet[4..]) + 40 != packet.Length)
            {
                return false;
            }
        }
        else
        {
            return false;
        }

        if (packet.Length < ipHeaderLength + 20)
        {
            return false;
        }

        var tcpHeaderLength = (packet[ipHeaderLength + 12] >> 4) * 4;
        var headerLength = ipHeaderLength + tcpHeaderLength;
        if (tcpHeaderLength < 20 || packet.Length < headerLength)
        {
            return false;
        }

        var payload = packet.Length - headerLength;
        var mss = (int)hdr.GsoSize;
        if (headerLength + Math.Min(mss, payload) > maxSegmentLength)
        {
            return false;
        }

        var count = payload == 0 ? 1 : (payload + mss - 1) / mss;
        plan = new TsoPlan(version, ipHeaderLength, headerLength, mss, payload, count);
        return true;
    }

    /// <summary>Writes segment <paramref name="index"/> of <paramref name="plan"/> to <paramref name="destination"/>; returns its length.</summary>
    public static int WriteSegment(ReadOnlySpan<byte> packet, in TsoPlan plan, int index, Span<byte> destination)
    {
        var offset = index * plan.Mss;
        var length = Math.Min(plan.Mss, plan.PayloadLength - offset);
        var total = plan.HeaderLength + length;
        packet[..plan.HeaderLength].CopyTo(destination);
        packet.Slice(plan.HeaderLength + offset, length).CopyTo(destination[plan.HeaderLength..]);
        var seg = destination[..total];
        var ip = seg[..plan.IpHeaderLength];
        var tcp = seg[plan.IpHeaderLength..];
        var tcpLength = total - plan.IpHeaderLength;

        ulong pseudo;
        if (plan.IpVersion == 4)
        {
            BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)total);
            BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)(BinaryPrimitives.ReadUInt16BigEndian(packet[4..]) + index));
            ip[10] = 0;
            ip[11] = 0;
            BinaryPrimitives.WriteUInt16BigEndian(ip[10..], InternetChecksum.Complete(0, ip));
            pseudo = InternetChecksum.PseudoHeader(ip.Slice(12, 4), ip.Slice(16, 4), ProtoTcp, tcpLength);
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)tcpLength);
            pseudo = InternetChecksum.PseudoHeader(ip.Slice(8, 16), ip.Slice(24, 16), ProtoTcp, tcpLength);
        }

        var seq = BinaryPrimitives.ReadUInt32BigEndian(packet[(plan.IpHeaderLength + 4)..]);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], unchecked(seq + (uint)offset));
        if (index != plan.SegmentCount - 1)
        {
            tcp[13] &= unchecked((byte)~(TcpFin | TcpPsh));
        }

        if (index != 0)
        {
            tcp[13] &= unchecked((byte)~TcpCwr);
        }

        tcp[16] = 0;
        tcp[17] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(tcp[16..], InternetChecksum.Complete(pseudo, tcp[..tcpLength]));
        return total;
    }

    /// <summary>
    /// Completes a NEEDS_CSUM packet in place: the field at csum_start + csum_offset holds the pseudo-header sum;
    /// the checksum is the complement of the sum from csum_start to the end (0 is sent as 0xFFFF, as the kernel
    /// does). False when the offsets fall outside the packet.
    /// </summary>
    public static bool TryCompleteChecksum(Span<byte> packet, in VirtioNetHdr hdr)
    {
        var start = (int)hdr.CsumStart;
        var field = start + hdr.CsumOffset;
        if (start >= packet.Length || field + 2 > packet.Length)
        {
            return false;
        }

        var value = InternetChecksum.Complete(0, packet[start..]);
        BinaryPrimitives.WriteUInt16BigEndian(packet[field..], value == 0 ? (ushort)0xFFFF : value);
        return true;
    }
}
