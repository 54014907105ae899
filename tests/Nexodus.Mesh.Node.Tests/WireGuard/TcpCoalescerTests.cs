using System.Buffers.Binary;
using Nexodus.Mesh.Node.Tun;

namespace Nexodus.Mesh.Node.Tests.WireGuard;

/// <summary>
/// Receive-side TCP coalescing: merged frames carry the virtio header the kernel expects, and cutting them again
/// with <see cref="TsoSegmenter"/> gives back exactly the original segments' bytes; anything not mergeable passes
/// through unchanged and in flow order.
/// </summary>
public sealed class TcpCoalescerTests
{
    private readonly List<byte[]> _frames = [];

    private void Collect(ReadOnlySpan<byte> frame) => _frames.Add(frame.ToArray());

    [Theory]
    [InlineData(4, 1380, 40)]
    [InlineData(6, 1360, 30)]
    [InlineData(4, 1380, 60)] // more than 64 KB: two merged frames
    public void InOrderSegments_MergedIntoGsoFrame_SegmentingGivesOriginalsBack(int version, int mss, int count)
    {
        var originals = Segments(version, mss, count, lastPsh: true);
        var c = new TcpCoalescer(4);
        foreach (var s in originals)
        {
            Assert.True(c.TryAdd(s, Collect));
        }

        c.Flush(Collect);
        var perFrame = (65535 - (version == 4 ? 20 : 40) - 32) / mss;
        Assert.Equal((count + perFrame - 1) / perFrame, _frames.Count);

        var back = new List<byte[]>();
        var dest = new byte[65535];
        foreach (var frame in _frames)
        {
            Assert.True(VirtioNetHdr.TryRead(frame, out var hdr));
            Assert.Equal(version == 4 ? VirtioNetHdr.GsoTcpV4 : VirtioNetHdr.GsoTcpV6, hdr.GsoType);
            Assert.True(hdr.NeedsChecksum);
            Assert.Equal(mss, hdr.GsoSize);
            Assert.Equal(version == 4 ? 20 : 40, hdr.CsumStart);
            Assert.Equal(16, hdr.CsumOffset);
            var packet = frame.AsSpan(VirtioNetHdr.Size);
            if (version == 4)
            {
                Assert.Equal(0, TsoSegmenterTests.NaiveChecksum(packet[..20]));
            }

            Assert.True(TsoSegmenter.TryPlan(packet, hdr, 65535, out var plan));
            for (var i = 0; i < plan.SegmentCount; i++)
            {
                back.Add(dest.AsSpan(0, TsoSegmenter.WriteSegment(packet, plan, i, dest)).ToArray());
            }
        }

        Assert.Equal(originals.Count, back.Count);
        for (var i = 0; i < originals.Count; i++)
        {
            var o = originals[i].AsSpan();
            var b = back[i].AsSpan();
            if (version == 4)
            {
                // IPv4 ID is renumbered by segmentation; every other byte, checksums included, comes back.
                o = o.ToArray();
                b = b.ToArray();
                o[4] = o[5] = b[4] = b[5] = o[10] = o[11] = b[10] = b[11] = 0;
            }

            Assert.True(o.SequenceEqual(b), $"segment {i} differs");
        }

        Assert.Equal(count - _frames.Count, c.Merged);
    }

    [Fact]
    public void SequenceGap_FlushesHeldGroupFirst_OrderKept()
    {
        var s = Segments(4, 1000, 4, lastPsh: false);
        var c = new TcpCoalescer(4);
        Assert.True(c.TryAdd(s[0], Collect));
        Assert.True(c.TryAdd(s[1], Collect));
        Assert.True(c.TryAdd(s[3], Collect)); // gap: s[2] missing
        c.Flush(Collect);
        Assert.Equal(2, _frames.Count);
        Assert.Equal(VirtioNetHdr.GsoTcpV4, _frames[0][1]);
        Assert.Equal(0, _frames[1][1]); // a single segment goes out as it came, without GSO
        Assert.True(_frames[1].AsSpan(VirtioNetHdr.Size).SequenceEqual(s[3]));
    }

    [Fact]
    public void BadChecksumOrFin_NotMerged_PassedThroughAfterItsFlow()
    {
        var s = Segments(4, 1000, 3, lastPsh: false);
        var c = new TcpCoalescer(4);
        Assert.True(c.TryAdd(s[0], Collect));
        var corrupt = s[1].ToArray();
        corrupt[^1] ^= 0xFF;
        Assert.False(c.TryAdd(corrupt, Collect));
        Assert.Single(_frames); // s[0] was written before the caller writes the corrupt one
        Assert.True(_frames[0].AsSpan(VirtioNetHdr.Size).SequenceEqual(s[0]));

        var fin = s[2].ToArray();
        fin[33] |= 0x01;
        Assert.False(c.TryAdd(fin, Collect));
        Assert.False(c.TryAdd(new byte[] { 0x45, 0, 0, 20 }, Collect)); // not TCP or too short
    }

    [Fact]
    public void TwoFlowsInterleaved_EachMergedSeparately()
    {
        var a = Segments(4, 1000, 5, lastPsh: false);
        var b = Segments(4, 1000, 5, lastPsh: false, sourcePort: 40001);
        var c = new TcpCoalescer(4);
        for (var i = 0; i < 5; i++)
        {
            Assert.True(c.TryAdd(a[i], Collect));
            Assert.True(c.TryAdd(b[i], Collect));
        }

        c.Flush(Collect);
        Assert.Equal(2, _frames.Count);
        Assert.All(_frames, f => Assert.Equal(VirtioNetHdr.Size + 52 + 4500, f.Length));
    }

    private static List<byte[]> Segments(int version, int mss, int count, bool lastPsh, ushort sourcePort = 40000)
    {
        var rng = new Random(count);
        var list = new List<byte[]>();
        for (var i = 0; i < count; i++)
        {
            var payload = new byte[i == count - 1 ? mss / 2 : mss];
            rng.NextBytes(payload);
            var flags = (byte)(i == count - 1 && lastPsh ? 0x18 : 0x10);
            var p = TsoSegmenterTests.BuildTcp(version, payload, 1000u + (uint)(i * mss), (ushort)(7 + i), flags, 12);
            var ipLen = version == 4 ? 20 : 40;
            BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(ipLen), sourcePort);

            // Valid checksums, as a peer's kernel would have sent them.
            var hdr = new VirtioNetHdr(1, version == 4 ? VirtioNetHdr.GsoTcpV4 : VirtioNetHdr.GsoTcpV6, 0, (ushort)payload.Length, 0, 0);
            Assert.True(TsoSegmenter.TryPlan(p, hdr, 65535, out var plan));
            var seg = new byte[p.Length];
            TsoSegmenter.WriteSegment(p, plan, 0, seg);
            list.Add(seg);
        }

        return list;
    }
}
