using System.Buffers.Binary;
using System.Net;

namespace Nexodus.Mesh.TestDoubles.WireGuard;

/// <summary>Builds minimal valid IPv4/IPv6 UDP packets for tunnel tests.</summary>
public static class PacketBuilder
{
    public static byte[] Udp(string source, string destination, ushort sourcePort, ushort destinationPort, ReadOnlySpan<byte> payload)
    {
        var src = IPAddress.Parse(source);
        var dst = IPAddress.Parse(destination);
        return src.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
            ? Udp4(src, dst, sourcePort, destinationPort, payload)
            : Udp6(src, dst, sourcePort, destinationPort, payload);
    }

    private static byte[] Udp4(IPAddress src, IPAddress dst, ushort sp, ushort dp, ReadOnlySpan<byte> payload)
    {
        var packet = new byte[20 + 8 + payload.Length];
        packet[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)packet.Length);
        packet[8] = 64;
        packet[9] = 17;
        src.TryWriteBytes(packet.AsSpan(12, 4), out _);
        dst.TryWriteBytes(packet.AsSpan(16, 4), out _);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(10), Checksum(packet.AsSpan(0, 20)));
        WriteUdp(packet.AsSpan(20), sp, dp, payload);
        return packet;
    }

    private static byte[] Udp6(IPAddress src, IPAddress dst, ushort sp, ushort dp, ReadOnlySpan<byte> payload)
    {
        var packet = new byte[40 + 8 + payload.Length];
        packet[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), (ushort)(8 + payload.Length));
        packet[6] = 17;
        packet[7] = 64;
        src.TryWriteBytes(packet.AsSpan(8, 16), out _);
        dst.TryWriteBytes(packet.AsSpan(24, 16), out _);
        WriteUdp(packet.AsSpan(40), sp, dp, payload);
        return packet;
    }

    private static void WriteUdp(Span<byte> udp, ushort sp, ushort dp, ReadOnlySpan<byte> payload)
    {
        BinaryPrimitives.WriteUInt16BigEndian(udp, sp);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], dp);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)(8 + payload.Length));
        payload.CopyTo(udp[8..]);
    }

    private static ushort Checksum(ReadOnlySpan<byte> header)
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

    /// <summary>The UDP payload of a packet built by <see cref="Udp"/>.</summary>
    public static ReadOnlySpan<byte> UdpPayload(byte[] packet) => (packet[0] >> 4) == 4 ? packet.AsSpan(28) : packet.AsSpan(48);
}
