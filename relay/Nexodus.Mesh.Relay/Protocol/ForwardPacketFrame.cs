namespace Nexodus.Mesh.Relay.Protocol;

/// <summary>
/// A packet handed from one relay of a region to another (one hop; the receiver delivers it locally or drops it).
/// <code>
/// source key(32) | destination key(32) | kind(1) | packet
/// </code>
/// </summary>
public readonly ref struct ForwardPacketFrame
{
    public const int PrefixSize = (2 * ProtocolConstants.KeySize) + 1;

    public ForwardPacketFrame(ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination, PacketKind kind, ReadOnlySpan<byte> packet)
    {
        Source = source;
        Destination = destination;
        Kind = kind;
        Packet = packet;
    }

    public ReadOnlySpan<byte> Source { get; }

    public ReadOnlySpan<byte> Destination { get; }

    public PacketKind Kind { get; }

    public ReadOnlySpan<byte> Packet { get; }

    public static ForwardPacketFrame Read(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < PrefixSize)
        {
            throw new RelayProtocolException($"forward-packet frame is {payload.Length} bytes, needs at least {PrefixSize}");
        }

        var kind = payload[PrefixSize - 1] == (byte)PacketKind.Disco ? PacketKind.Disco : PacketKind.Data;
        return new ForwardPacketFrame(payload[..ProtocolConstants.KeySize], payload.Slice(ProtocolConstants.KeySize, ProtocolConstants.KeySize), kind, payload[PrefixSize..]);
    }

    public static int FrameSize(int packetLength) => ProtocolConstants.HeaderSize + PrefixSize + packetLength;

    public static int Write(Span<byte> destination, ReadOnlySpan<byte> sourceKey, ReadOnlySpan<byte> destinationKey, PacketKind kind, ReadOnlySpan<byte> packet)
    {
        FrameHeader.Write(destination, FrameType.ForwardPacket, PrefixSize + packet.Length);
        var p = destination[ProtocolConstants.HeaderSize..];
        sourceKey.CopyTo(p);
        destinationKey.CopyTo(p[ProtocolConstants.KeySize..]);
        p[PrefixSize - 1] = (byte)kind;
        packet.CopyTo(p[PrefixSize..]);
        return FrameSize(packet.Length);
    }
}
