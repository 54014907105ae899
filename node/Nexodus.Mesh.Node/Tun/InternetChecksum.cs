using System.Buffers.Binary;

namespace Nexodus.Mesh.Node.Tun;

/// <summary>The RFC 1071 one's-complement sum used by IPv4, TCP and UDP.</summary>
internal static class InternetChecksum
{
    /// <summary>Adds <paramref name="data"/> as big-endian 16-bit words (odd tail padded with zero) to <paramref name="sum"/>.</summary>
    public static ulong Add(ulong sum, ReadOnlySpan<byte> data)
    {
        // 32-bit words into a 64-bit accumulator: carries are folded once at the end.
        var i = 0;
        for (; i + 4 <= data.Length; i += 4)
        {
            sum += BinaryPrimitives.ReadUInt32BigEndian(data[i..]);
        }

        if (i + 2 <= data.Length)
        {
            sum += (ulong)BinaryPrimitives.ReadUInt16BigEndian(data[i..]) << 16;
            i += 2;
        }

        if (i < data.Length)
        {
            sum += (ulong)data[i] << (i % 4 == 0 ? 24 : 8);
        }

        return sum;
    }

    /// <summary>Folds the accumulator to 16 bits (not complemented).</summary>
    public static ushort Fold(ulong sum)
    {
        sum = (sum & 0xFFFFFFFF) + (sum >> 32);
        sum = (sum & 0xFFFFFFFF) + (sum >> 32);
        var s = (uint)sum;
        s = (s & 0xFFFF) + (s >> 16);
        s = (s & 0xFFFF) + (s >> 16);
        return (ushort)s;
    }

    /// <summary>The checksum field value for <paramref name="data"/> summed onto <paramref name="sum"/>.</summary>
    public static ushort Complete(ulong sum, ReadOnlySpan<byte> data) => (ushort)~Fold(Add(sum, data));

    /// <summary>The TCP/UDP pseudo-header sum (RFC 793 / RFC 8200 §8.1).</summary>
    public static ulong PseudoHeader(ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination, byte protocol, int length)
    {
        var sum = Add(0, source);
        sum = Add(sum, destination);
        return sum + protocol + (ulong)length;
    }
}
