using System.Buffers.Binary;

namespace Nexodus.Mesh.Node.Tun;

/// <summary>
/// The header a TUN device opened with IFF_VNET_HDR puts before every packet (struct virtio_net_hdr, 10 bytes,
/// little-endian as the kernel uses for TUN by default):
/// <code>
///  0      1          2         4          6            8             10
///  +------+----------+---------+----------+------------+-------------+
///  |flags | gso_type | hdr_len | gso_size | csum_start | csum_offset |
///  +------+----------+---------+----------+------------+-------------+
/// </code>
/// flags bit 0 (NEEDS_CSUM): the L4 checksum at csum_start + csum_offset holds only the pseudo-header sum and
/// the rest must be summed from csum_start. gso_type says the packet is a TCP super-packet to cut into
/// gso_size-byte payloads. hdr_len is a hint only (the kernel does not promise it), so segmentation reads the
/// header lengths from the packet itself.
/// </summary>
internal readonly record struct VirtioNetHdr(byte Flags, byte GsoType, ushort HdrLen, ushort GsoSize, ushort CsumStart, ushort CsumOffset)
{
    public const int Size = 10;
    public const byte FlagNeedsCsum = 1;
    public const byte GsoNone = 0;
    public const byte GsoTcpV4 = 1;
    public const byte GsoUdp = 3;
    public const byte GsoTcpV6 = 4;
    public const byte GsoUdpL4 = 5;
    public const byte GsoEcn = 0x80;

    public bool NeedsChecksum => (Flags & FlagNeedsCsum) != 0;

    /// <summary>The GSO type without the ECN bit.</summary>
    public byte Gso => (byte)(GsoType & ~GsoEcn);

    /// <summary>False when fewer than <see cref="Size"/> bytes are given.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out VirtioNetHdr hdr)
    {
        if (source.Length < Size)
        {
            hdr = default;
            return false;
        }

        hdr = new VirtioNetHdr(
            source[0],
            source[1],
            BinaryPrimitives.ReadUInt16LittleEndian(source[2..]),
            BinaryPrimitives.ReadUInt16LittleEndian(source[4..]),
            BinaryPrimitives.ReadUInt16LittleEndian(source[6..]),
            BinaryPrimitives.ReadUInt16LittleEndian(source[8..]));
        return true;
    }

    public void Write(Span<byte> destination)
    {
        destination[0] = Flags;
        destination[1] = GsoType;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], HdrLen);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], GsoSize);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], CsumStart);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[8..], CsumOffset);
    }
}
