using System.Buffers.Binary;

namespace Nexodus.Mesh.Node.WireGuard;

/// <summary>
/// TAI64N timestamp (12 bytes, big endian: 2^62 + 10 + seconds, then nanoseconds) carried in initiations so the
/// responder can reject replays. Nanoseconds are floored to 2^24 ns, as wireguard-go does, so the timestamp does
/// not leak a precise clock.
/// </summary>
internal static class Tai64n
{
    private const ulong Base = (1UL << 62) + 10;
    private const int WhitenerMask = 0x1000000 - 1;

    public static void Write(DateTimeOffset now, Span<byte> output)
    {
        var unixNs = (now - DateTimeOffset.UnixEpoch).Ticks * 100;
        var seconds = (ulong)(unixNs / 1_000_000_000);
        var nanos = (uint)(unixNs % 1_000_000_000) & ~(uint)WhitenerMask;
        BinaryPrimitives.WriteUInt64BigEndian(output, Base + seconds);
        BinaryPrimitives.WriteUInt32BigEndian(output[8..], nanos);
    }

    /// <summary>Big-endian layout makes "later" equal "lexicographically greater".</summary>
    public static bool After(ReadOnlySpan<byte> candidate, ReadOnlySpan<byte> previous) => candidate.SequenceCompareTo(previous) > 0;
}
