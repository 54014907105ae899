using Nexodus.Mesh.Node.Tun;

namespace Nexodus.Mesh.Node.Tests.WireGuard;

/// <summary>
/// Random and mutated virtio headers and packets through the offload read path's parsers: nothing throws, every
/// segment stays inside its buffer, and a refused input is simply refused.
/// </summary>
public sealed class VirtioNetHdrFuzzTests
{
    private const int Iterations = 20_000;

    [Fact]
    public void RandomHeadersAndPackets_NeverThrow_SegmentsStayInBounds()
    {
        var rng = new Random(11);
        var raw = new byte[70_000];
        var dest = new byte[2048];
        var accepted = 0;
        for (var i = 0; i < Iterations; i++)
        {
            byte[] packet;
            if (rng.Next(2) == 0)
            {
                // A valid super-packet with a few mutated bytes.
                var payload = new byte[rng.Next(0, 20_000)];
                packet = TsoSegmenterTests.BuildTcp(rng.Next(2) == 0 ? 4 : 6, payload, (uint)rng.Next(), (ushort)rng.Next(), (byte)rng.Next(256), rng.Next(0, 11) * 4);
                for (var m = rng.Next(0, 4); m > 0; m--)
                {
                    packet[rng.Next(Math.Min(packet.Length, 80))] ^= (byte)(1 << rng.Next(8));
                }
            }
            else
            {
                packet = raw.AsSpan(0, rng.Next(0, 1500)).ToArray();
                rng.NextBytes(packet);
            }

            var hdrBytes = new byte[rng.Next(0, 14)];
            rng.NextBytes(hdrBytes);
            if (!VirtioNetHdr.TryRead(hdrBytes, out var hdr))
            {
                Assert.True(hdrBytes.Length < VirtioNetHdr.Size);
                hdr = new VirtioNetHdr(1, (byte)(rng.Next(2) == 0 ? 1 : 4), 0, (ushort)rng.Next(0, 3000), 0, 0);
            }

            TsoSegmenter.TryCompleteChecksum(packet.ToArray(), hdr);
            if (TsoSegmenter.TryPlan(packet, hdr, dest.Length, out var plan))
            {
                accepted++;
                var total = 0;
                for (var s = 0; s < plan.SegmentCount; s++)
                {
                    var n = TsoSegmenter.WriteSegment(packet, plan, s, dest);
                    Assert.InRange(n, plan.HeaderLength, dest.Length);
                    total += n - plan.HeaderLength;
                }

                Assert.Equal(packet.Length - plan.HeaderLength, total);
            }
        }

        Assert.True(accepted > 100, $"only {accepted} inputs were accepted: the mutation is too destructive to test the segment path");
    }

    [Fact]
    public void Header_RoundTrips_LittleEndian()
    {
        var hdr = new VirtioNetHdr(1, VirtioNetHdr.GsoTcpV6 | VirtioNetHdr.GsoEcn, 0x0102, 0x0304, 0x0506, 0x0708);
        var bytes = new byte[VirtioNetHdr.Size];
        hdr.Write(bytes);
        Assert.Equal("0184020104030605 0807".Replace(" ", "", StringComparison.Ordinal), Convert.ToHexString(bytes));
        Assert.True(VirtioNetHdr.TryRead(bytes, out var back));
        Assert.Equal(hdr, back);
        Assert.Equal(VirtioNetHdr.GsoTcpV6, back.Gso);
    }
}
