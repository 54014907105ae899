using System.Buffers.Binary;
using Nexodus.Mesh.Node.Tun;

namespace Nexodus.Mesh.Node.Tests.WireGuard;

/// <summary>
/// TCP segmentation offload done in user space: segments checked field by field and their checksums against a
/// separate, naive RFC 1071 implementation and a published IPv4 header vector.
/// </summary>
public sealed class TsoSegmenterTests
{
    [Fact]
    public void InternetChecksum_WikipediaIpv4HeaderVector_IsB861()
    {
        var header = Convert.FromHexString("450000730000400040110000C0A80001C0A800C7");
        Assert.Equal(0xB861, InternetChecksum.Complete(0, header));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(1379)]
    [InlineData(65535)]
    public void InternetChecksum_AnyLength_MatchesNaiveSum(int length)
    {
        var data = new byte[length];
        new Random(length).NextBytes(data);
        Assert.Equal(NaiveChecksum(data), InternetChecksum.Complete(0, data));
    }

    [Theory]
    [InlineData(4, 1380, 64000, 0x18)] // ACK|PSH
    [InlineData(4, 1380, 1380 * 3, 0x19)] // exact multiple, FIN|PSH|ACK
    [InlineData(4, 536, 1000, 0x90)] // CWR|ACK
    [InlineData(6, 1360, 60000, 0x18)]
    [InlineData(6, 1360, 100, 0x11)] // shorter than one MSS: one segment
    public void Segment_SuperPacket_HeadersAndChecksumsLikeANic(int version, int mss, int payloadLength, byte flags)
    {
        var payload = new byte[payloadLength];
        new Random(payloadLength).NextBytes(payload);
        var super = BuildTcp(version, payload, seq: 0xFFFF_F000, ipId: 0xFFFE, flags, tcpOptions: 12);
        var hdr = new VirtioNetHdr(VirtioNetHdr.FlagNeedsCsum, version == 4 ? VirtioNetHdr.GsoTcpV4 : VirtioNetHdr.GsoTcpV6, 0, (ushort)mss, 0, 0);

        Assert.True(TsoSegmenter.TryPlan(super, hdr, 65535, out var plan));
        var ipLen = version == 4 ? 20 : 40;
        Assert.Equal(ipLen + 32, plan.HeaderLength);
        Assert.Equal((payloadLength + mss - 1) / mss, plan.SegmentCount);

        var joined = new List<byte>();
        var dest = new byte[65535];
        for (var i = 0; i < plan.SegmentCount; i++)
        {
            var n = TsoSegmenter.WriteSegment(super, plan, i, dest);
            var seg = dest.AsSpan(0, n);
            var body = Math.Min(mss, payloadLength - (i * mss));
            Assert.Equal(plan.HeaderLength + body, n);
            if (version == 4)
            {
                Assert.Equal(n, BinaryPrimitives.ReadUInt16BigEndian(seg[2..]));
                Assert.Equal((ushort)(0xFFFE + i), BinaryPrimitives.ReadUInt16BigEndian(seg[4..]));
                Assert.Equal(0, NaiveChecksum(seg[..20])); // a valid header sums to zero
            }
            else
            {
                Assert.Equal(n - 40, BinaryPrimitives.ReadUInt16BigEndian(seg[4..]));
            }

            var tcp = seg[ipLen..];
            Assert.Equal(unchecked(0xFFFF_F000u + (uint)(i * mss)), BinaryPrimitives.ReadUInt32BigEndian(tcp[4..]));
            var last = i == plan.SegmentCount - 1;
            var expectedFlags = flags;
            if (!last)
            {
                expectedFlags &= unchecked((byte)~0x09);
            }

            if (i != 0)
            {
                expectedFlags &= unchecked((byte)~0x80);
            }

            Assert.Equal(expectedFlags, tcp[13]);
            Assert.Equal(0, NaiveChecksum(PseudoHeader(seg, version).Concat(tcp.ToArray()).ToArray()));
            Assert.True(super.AsSpan(ipLen + 20, 12).SequenceEqual(tcp.Slice(20, 12))); // options copied
            joined.AddRange(seg[plan.HeaderLength..].ToArray());
        }

        Assert.Equal(payload, joined.ToArray());
    }

    [Fact]
    public void CompleteChecksum_PartialUdp_EqualsFullChecksum()
    {
        // The kernel leaves the pseudo-header sum (not complemented) in the field and says where to start.
        var packet = BuildUdp4(new byte[333]);
        var full = BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(26));
        var pseudo = InternetChecksum.Fold(InternetChecksum.PseudoHeader(packet.AsSpan(12, 4), packet.AsSpan(16, 4), 17, packet.Length - 20));
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(26), pseudo);
        var hdr = new VirtioNetHdr(VirtioNetHdr.FlagNeedsCsum, 0, 0, 0, 20, 6);

        Assert.True(TsoSegmenter.TryCompleteChecksum(packet, hdr));
        Assert.Equal(full, BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(26)));
    }

    [Theory]
    [InlineData(4, VirtioNetHdr.GsoTcpV6)] // family mismatch
    [InlineData(6, VirtioNetHdr.GsoTcpV4)]
    [InlineData(4, VirtioNetHdr.GsoUdpL4)] // not TCP offload
    public void TryPlan_WrongGsoType_Refused(int version, byte gso)
    {
        var super = BuildTcp(version, new byte[5000], 1, 1, 0x10, 0);
        Assert.False(TsoSegmenter.TryPlan(super, new VirtioNetHdr(1, gso, 0, 1400, 0, 0), 65535, out _));
    }

    [Fact]
    public void TryPlan_ZeroMssOrSegmentTooBigForBuffer_Refused()
    {
        var super = BuildTcp(4, new byte[5000], 1, 1, 0x10, 0);
        Assert.False(TsoSegmenter.TryPlan(super, new VirtioNetHdr(1, VirtioNetHdr.GsoTcpV4, 0, 0, 0, 0), 65535, out _));
        Assert.False(TsoSegmenter.TryPlan(super, new VirtioNetHdr(1, VirtioNetHdr.GsoTcpV4, 0, 1400, 0, 0), 1000, out _));
    }

    internal static ushort NaiveChecksum(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        for (var i = 0; i < data.Length; i += 2)
        {
            sum += (uint)(data[i] << 8) | (i + 1 < data.Length ? data[i + 1] : 0u);
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)~sum;
    }

    private static byte[] PseudoHeader(ReadOnlySpan<byte> seg, int version)
    {
        var ipLen = version == 4 ? 20 : 40;
        var addr = version == 4 ? seg.Slice(12, 8) : seg.Slice(8, 32);
        var p = new byte[addr.Length + 4];
        addr.CopyTo(p);
        p[^3] = 6;
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(p.Length - 2), (ushort)(seg.Length - ipLen));
        return p;
    }

    /// <summary>A TCP super-packet as the kernel hands it over (checksum field holding junk).</summary>
    internal static byte[] BuildTcp(int version, byte[] payload, uint seq, ushort ipId, byte flags, int tcpOptions)
    {
        var ipLen = version == 4 ? 20 : 40;
        var tcpLen = 20 + tcpOptions;
        var p = new byte[ipLen + tcpLen + payload.Length];
        if (version == 4)
        {
            p[0] = 0x45;
            BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(2), (ushort)p.Length);
            BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(4), ipId);
            p[6] = 0x40;
            p[8] = 64;
            p[9] = 6;
            new byte[] { 10, 250, 0, 1, 10, 250, 0, 2 }.CopyTo(p, 12);
        }
        else
        {
            p[0] = 0x60;
            BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(4), (ushort)(p.Length - 40));
            p[6] = 6;
            p[7] = 64;
            Convert.FromHexString("fd000000000000000000000000000001fd000000000000000000000000000002").CopyTo(p, 8);
        }

        var t = p.AsSpan(ipLen);
        BinaryPrimitives.WriteUInt16BigEndian(t, 40000);
        BinaryPrimitives.WriteUInt16BigEndian(t[2..], 5201);
        BinaryPrimitives.WriteUInt32BigEndian(t[4..], seq);
        BinaryPrimitives.WriteUInt32BigEndian(t[8..], 0x12345678);
        t[12] = (byte)((tcpLen / 4) << 4);
        t[13] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(t[14..], 502);
        t[16] = 0xAB;
        t[17] = 0xCD;
        for (var i = 0; i < tcpOptions; i++)
        {
            t[20 + i] = (byte)(i == tcpOptions - 1 ? 0 : 1 + i);
        }

        payload.CopyTo(t[tcpLen..]);
        return p;
    }

    private static byte[] BuildUdp4(byte[] payload)
    {
        var p = new byte[28 + payload.Length];
        new Random(3).NextBytes(payload);
        p[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(2), (ushort)p.Length);
        p[8] = 64;
        p[9] = 17;
        new byte[] { 10, 250, 0, 1, 10, 250, 0, 2 }.CopyTo(p, 12);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(20), 1234);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(22), 5678);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(24), (ushort)(p.Length - 20));
        payload.CopyTo(p, 28);
        var pseudo = new byte[12];
        p.AsSpan(12, 8).CopyTo(pseudo);
        pseudo[9] = 17;
        BinaryPrimitives.WriteUInt16BigEndian(pseudo.AsSpan(10), (ushort)(p.Length - 20));
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(26), NaiveChecksum([.. pseudo, .. p.AsSpan(20)]));
        return p;
    }
}
