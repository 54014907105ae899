using System.Buffers.Binary;

namespace Nexodus.Mesh.Node.Tun;

/// <summary>
/// Receive-side coalescing (what GRO does for a NIC): consecutive in-order TCP segments of one flow, decrypted in
/// one receive batch, are merged into one packet of up to 64 KB and written to the TUN device with a virtio
/// header (GSO TCPV4/TCPV6, NEEDS_CSUM), so the host's TCP stack handles one packet instead of dozens. Only plain
/// ACK/PSH data segments with identical headers (addresses, ports, ack, window, options, TOS/TTL) and valid
/// checksums are merged; anything else passes through unchanged, after the held segments of its flow so order
/// within a flow is kept. Each held group owns a 64 KB buffer (no allocation per packet).
/// </summary>
internal sealed class TcpCoalescer
{
    /// <summary>Receives one ready frame: a virtio header followed by an IP packet.</summary>
    public delegate void FrameWriter(ReadOnlySpan<byte> frame);

    private const int MaxPacket = 65535;
    private const byte ProtoTcp = 6;
    private const byte TcpAck = 0x10;
    private const byte TcpPsh = 0x08;

    private readonly Group[] _groups;

    public TcpCoalescer(int maxGroups)
    {
        _groups = new Group[maxGroups];
        for (var i = 0; i < maxGroups; i++)
        {
            _groups[i] = new Group();
        }
    }

    /// <summary>Segments merged into an earlier one (for tests and counters).</summary>
    public long Merged { get; private set; }

    /// <summary>
    /// Holds <paramref name="packet"/> (copied) when it can be merged, now or later. False: the caller writes it
    /// itself; any held segments of the same flow were written first.
    /// </summary>
    public bool TryAdd(ReadOnlySpan<byte> packet, FrameWriter writer)
    {
        if (!TryParse(packet, out var ipHeaderLength, out var headerLength, out var eligible))
        {
            return false;
        }

        Group? free = null;
        foreach (var g in _groups)
        {
            if (g.Length == 0)
            {
                free ??= g;
                continue;
            }

            if (!SameFlow(g, packet, ipHeaderLength))
            {
                continue;
            }

            if (eligible && g.CanAppend(packet, ipHeaderLength, headerLength))
            {
                g.Append(packet, headerLength);
                Merged++;
                return true;
            }

            Emit(g, writer);
            if (!eligible)
            {
                return false;
            }

            g.Start(packet, ipHeaderLength, headerLength);
            return true;
        }

        if (!eligible)
        {
            return false;
        }

        if (free is null)
        {
            Flush(writer);
            free = _groups[0];
        }

        free.Start(packet, ipHeaderLength, headerLength);
        return true;
    }

    /// <summary>Writes every held group.</summary>
    public void Flush(FrameWriter writer)
    {
        foreach (var g in _groups)
        {
            if (g.Length != 0)
            {
                Emit(g, writer);
            }
        }
    }

    /// <summary>
    /// False for anything that is not TCP over IPv4 (no options, not a fragment) or IPv6 (TCP as next header).
    /// <paramref name="eligible"/>: a data segment with only ACK (and maybe PSH) whose checksums hold.
    /// </summary>
    private static bool TryParse(ReadOnlySpan<byte> p, out int ipHeaderLength, out int headerLength, out bool eligible)
    {
        ipHeaderLength = headerLength = 0;
        eligible = false;
        if (p.Length < 40)
        {
            return false;
        }

        var version = p[0] >> 4;
        if (version == 4)
        {
            if (p[0] != 0x45 || p[9] != ProtoTcp || BinaryPrimitives.ReadUInt16BigEndian(p[2..]) != p.Length || (BinaryPrimitives.ReadUInt16BigEndian(p[6..]) & 0x3FFF) != 0)
            {
                return false;
            }

            ipHeaderLength = 20;
        }
        else if (version == 6)
        {
            if (p.Length < 60 || p[6] != ProtoTcp || BinaryPrimitives.ReadUInt16BigEndian(p[4..]) + 40 != p.Length)
            {
                return false;
            }

            ipHeaderLength = 40;
        }
        else
        {
            return false;
        }

        var tcpHeaderLength = (p[ipHeaderLength + 12] >> 4) * 4;
        headerLength = ipHeaderLength + tcpHeaderLength;
        if (tcpHeaderLength < 20 || headerLength > p.Length)
        {
            return false;
        }

        var flags = p[ipHeaderLength + 13];
        if ((flags & ~TcpPsh) != TcpAck || headerLength == p.Length)
        {
            return true;
        }

        if (version == 4 && InternetChecksum.Complete(0, p[..20]) != 0)
        {
            return true;
        }

        var pseudo = version == 4
            ? InternetChecksum.PseudoHeader(p.Slice(12, 4), p.Slice(16, 4), ProtoTcp, p.Length - 20)
            : InternetChecksum.PseudoHeader(p.Slice(8, 16), p.Slice(24, 16), ProtoTcp, p.Length - 40);
        eligible = InternetChecksum.Complete(pseudo, p[ipHeaderLength..]) == 0;
        return true;
    }

    private static bool SameFlow(Group g, ReadOnlySpan<byte> p, int ipHeaderLength)
    {
        if (g.IpHeaderLength != ipHeaderLength)
        {
            return false;
        }

        var held = g.Packet;
        var addresses = ipHeaderLength == 20 ? 12 : 8;
        return held.Slice(addresses, ipHeaderLength - addresses).SequenceEqual(p.Slice(addresses, ipHeaderLength - addresses))
            && held.Slice(ipHeaderLength, 4).SequenceEqual(p.Slice(ipHeaderLength, 4));
    }

    private static void Emit(Group g, FrameWriter writer)
    {
        var frame = g.Buffer.AsSpan(0, VirtioNetHdr.Size + g.Length);
        var hdr = default(VirtioNetHdr);
        var p = frame[VirtioNetHdr.Size..];
        var ipLength = g.IpHeaderLength;
        p[ipLength + 13] |= g.Psh ? TcpPsh : (byte)0;
        if (g.Count > 1)
        {
            var tcpLength = g.Length - ipLength;
            ulong pseudo;
            if (ipLength == 20)
            {
                BinaryPrimitives.WriteUInt16BigEndian(p[2..], (ushort)g.Length);
                p[10] = 0;
                p[11] = 0;
                BinaryPrimitives.WriteUInt16BigEndian(p[10..], InternetChecksum.Complete(0, p[..20]));
                pseudo = InternetChecksum.PseudoHeader(p.Slice(12, 4), p.Slice(16, 4), ProtoTcp, tcpLength);
            }
            else
            {
                BinaryPrimitives.WriteUInt16BigEndian(p[4..], (ushort)tcpLength);
                pseudo = InternetChecksum.PseudoHeader(p.Slice(8, 16), p.Slice(24, 16), ProtoTcp, tcpLength);
            }

            // NEEDS_CSUM: the field carries the pseudo-header sum and the kernel treats the payload as verified
            // (every merged segment's checksum was checked above).
            BinaryPrimitives.WriteUInt16BigEndian(p[(ipLength + 16)..], InternetChecksum.Fold(pseudo));
            hdr = new VirtioNetHdr(
                VirtioNetHdr.FlagNeedsCsum,
                ipLength == 20 ? VirtioNetHdr.GsoTcpV4 : VirtioNetHdr.GsoTcpV6,
                (ushort)g.HeaderLength,
                (ushort)g.Mss,
                (ushort)ipLength,
                16);
        }

        hdr.Write(frame);
        writer(frame);
        g.Length = 0;
    }

    /// <summary>One flow's held segments: the first packet's headers, then every payload in order.</summary>
    private sealed class Group
    {
        public byte[] Buffer { get; } = GC.AllocateUninitializedArray<byte>(VirtioNetHdr.Size + MaxPacket, pinned: true);

        public int Length { get; set; }

        public int IpHeaderLength { get; private set; }

        public int HeaderLength { get; private set; }

        public int Mss { get; private set; }

        public int Count { get; private set; }

        public uint NextSeq { get; private set; }

        public bool Psh { get; private set; }

        public bool Closed { get; private set; }

        public ReadOnlySpan<byte> Packet => Buffer.AsSpan(VirtioNetHdr.Size, Length);

        public void Start(ReadOnlySpan<byte> p, int ipHeaderLength, int headerLength)
        {
            p.CopyTo(Buffer.AsSpan(VirtioNetHdr.Size));
            Length = p.Length;
            IpHeaderLength = ipHeaderLength;
            HeaderLength = headerLength;
            Mss = p.Length - headerLength;
            Count = 1;
            NextSeq = unchecked(BinaryPrimitives.ReadUInt32BigEndian(p[(ipHeaderLength + 4)..]) + (uint)Mss);
            Psh = (p[ipHeaderLength + 13] & TcpPsh) != 0;
            Closed = Psh;
            Buffer[VirtioNetHdr.Size + ipHeaderLength + 13] &= unchecked((byte)~TcpPsh);
        }

        public bool CanAppend(ReadOnlySpan<byte> p, int ipHeaderLength, int headerLength)
        {
            var payload = p.Length - headerLength;
            if (Closed || headerLength != HeaderLength || payload > Mss || Length + payload > MaxPacket
                || BinaryPrimitives.ReadUInt32BigEndian(p[(ipHeaderLength + 4)..]) != NextSeq)
            {
                return false;
            }

            var held = Packet;
            var t = ipHeaderLength;
            var sameIp = ipHeaderLength == 20
                ? held[..2].SequenceEqual(p[..2]) && held[8] == p[8]
                : held[..4].SequenceEqual(p[..4]) && held[7] == p[7];

            // Ack, data offset, window and every option byte equal (flags differ only by PSH, checked by eligibility).
            return sameIp
                && held.Slice(t + 8, 5).SequenceEqual(p.Slice(t + 8, 5))
                && held.Slice(t + 14, 2).SequenceEqual(p.Slice(t + 14, 2))
                && held[(t + 20)..headerLength].SequenceEqual(p[(t + 20)..headerLength]);
        }

        public void Append(ReadOnlySpan<byte> p, int headerLength)
        {
            var payload = p[headerLength..];
            payload.CopyTo(Buffer.AsSpan(VirtioNetHdr.Size + Length));
            Length += payload.Length;
            Count++;
            NextSeq = unchecked(NextSeq + (uint)payload.Length);
            Psh = (p[IpHeaderLength + 13] & TcpPsh) != 0;
            Closed = Psh || payload.Length < Mss;
        }
    }
}
