using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Nexodus.Mesh.TestDoubles.WireGuard;

/// <summary>
/// Builds IPv4/IPv6 packets of any protocol for packet-filter tests: TCP with flags, ICMP/ICMPv6 echo and errors
/// quoting another packet, raw protocols, IPv4 fragments, and IPv6 extension-header chains. Transport checksums
/// are not filled in (nothing under test verifies them); the IPv4 header checksum is.
/// </summary>
public static class IpPacketBuilder
{
    public const byte Fin = 0x01;
    public const byte Syn = 0x02;
    public const byte Rst = 0x04;
    public const byte Ack = 0x10;

    public static byte[] Tcp(string source, string destination, ushort sourcePort, ushort destinationPort, byte flags = Syn, int payload = 0)
    {
        var tcp = new byte[20 + payload];
        BinaryPrimitives.WriteUInt16BigEndian(tcp, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(tcp.AsSpan(2), destinationPort);
        tcp[12] = 5 << 4;
        tcp[13] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(tcp.AsSpan(14), 65535);
        return Ip(source, destination, 6, tcp);
    }

    public static byte[] Udp(string source, string destination, ushort sourcePort, ushort destinationPort, int payload = 4) =>
        PacketBuilder.Udp(source, destination, sourcePort, destinationPort, new byte[payload]);

    /// <summary>Echo request (or reply) with <paramref name="id"/>; ICMP for IPv4 addresses, ICMPv6 for IPv6.</summary>
    public static byte[] Echo(string source, string destination, ushort id, bool request = true, ushort sequence = 1)
    {
        var v6 = IsV6(source);
        var icmp = new byte[16];
        icmp[0] = v6 ? (request ? (byte)128 : (byte)129) : (request ? (byte)8 : (byte)0);
        BinaryPrimitives.WriteUInt16BigEndian(icmp.AsSpan(4), id);
        BinaryPrimitives.WriteUInt16BigEndian(icmp.AsSpan(6), sequence);
        return Ip(source, destination, v6 ? (byte)58 : (byte)1, icmp);
    }

    /// <summary>An ICMP error (v4 type 3 = unreachable, v6 type 1) from <paramref name="source"/> quoting <paramref name="quoted"/>.</summary>
    public static byte[] IcmpError(string source, string destination, byte[] quoted, byte? type = null, byte code = 3)
    {
        var v6 = IsV6(source);
        var icmp = new byte[8 + quoted.Length];
        icmp[0] = type ?? (v6 ? (byte)1 : (byte)3);
        icmp[1] = code;
        quoted.CopyTo(icmp, 8);
        return Ip(source, destination, v6 ? (byte)58 : (byte)1, icmp);
    }

    /// <summary>Any other IP protocol (GRE 47, SCTP 132, ...) with an opaque payload.</summary>
    public static byte[] Raw(string source, string destination, byte protocol, int payload = 8) =>
        Ip(source, destination, protocol, new byte[payload]);

    /// <summary>An IPv4 packet carrying <paramref name="transport"/>, optionally as a fragment.</summary>
    public static byte[] Ip(string source, string destination, byte protocol, ReadOnlySpan<byte> transport, ushort fragmentId = 0, int fragmentOffsetBytes = 0, bool moreFragments = false)
    {
        var src = IPAddress.Parse(source);
        var dst = IPAddress.Parse(destination);
        if (src.AddressFamily == AddressFamily.InterNetworkV6)
        {
            return Ip6(src, dst, protocol, [], transport);
        }

        var packet = new byte[20 + transport.Length];
        packet[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)packet.Length);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), fragmentId);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(6), (ushort)((moreFragments ? 0x2000 : 0) | (fragmentOffsetBytes / 8)));
        packet[8] = 64;
        packet[9] = protocol;
        src.TryWriteBytes(packet.AsSpan(12, 4), out _);
        dst.TryWriteBytes(packet.AsSpan(16, 4), out _);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(10), HeaderChecksum(packet.AsSpan(0, 20)));
        transport.CopyTo(packet.AsSpan(20));
        return packet;
    }

    /// <summary>
    /// An IPv6 packet with extension headers before <paramref name="transport"/>: each entry is a header type
    /// (0 hop-by-hop, 43 routing, 60 destination options: 8 bytes each; 51 AH: 12 bytes; 44 fragment, see
    /// <paramref name="fragmentOffsetBytes"/>/<paramref name="moreFragments"/>).
    /// </summary>
    public static byte[] Ip6(string source, string destination, byte protocol, byte[] extensions, ReadOnlySpan<byte> transport, uint fragmentId = 7, int fragmentOffsetBytes = 0, bool moreFragments = false) =>
        Ip6(IPAddress.Parse(source), IPAddress.Parse(destination), protocol, extensions, transport, fragmentId, fragmentOffsetBytes, moreFragments);

    private static byte[] Ip6(IPAddress src, IPAddress dst, byte protocol, byte[] extensions, ReadOnlySpan<byte> transport, uint fragmentId = 7, int fragmentOffsetBytes = 0, bool moreFragments = false)
    {
        var body = new List<byte>();
        for (var i = 0; i < extensions.Length; i++)
        {
            var next = i + 1 < extensions.Length ? extensions[i + 1] : protocol;
            switch (extensions[i])
            {
                case 51:
                    body.AddRange([next, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2]); // (1 + 2) * 4 = 12 bytes
                    break;
                case 44:
                    var fo = (ushort)(((fragmentOffsetBytes / 8) << 3) | (moreFragments ? 1 : 0));
                    body.AddRange([next, 0, (byte)(fo >> 8), (byte)fo, (byte)(fragmentId >> 24), (byte)(fragmentId >> 16), (byte)(fragmentId >> 8), (byte)fragmentId]);
                    break;
                default:
                    body.AddRange([next, 0, 1, 4, 0, 0, 0, 0]); // PadN option filling the 8 bytes
                    break;
            }
        }

        body.AddRange(transport.ToArray());
        var packet = new byte[40 + body.Count];
        packet[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), (ushort)body.Count);
        packet[6] = extensions.Length > 0 ? extensions[0] : protocol;
        packet[7] = 64;
        src.TryWriteBytes(packet.AsSpan(8, 16), out _);
        dst.TryWriteBytes(packet.AsSpan(24, 16), out _);
        body.CopyTo(packet, 40);
        return packet;
    }

    private static bool IsV6(string address) => IPAddress.Parse(address).AddressFamily == AddressFamily.InterNetworkV6;

    private static ushort HeaderChecksum(ReadOnlySpan<byte> header)
    {
        uint sum = 0;
        for (var i = 0; i < header.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(header[i..]);
        }

        while (sum > 0xffff)
        {
            sum = (sum & 0xffff) + (sum >> 16);
        }

        return (ushort)~sum;
    }
}
