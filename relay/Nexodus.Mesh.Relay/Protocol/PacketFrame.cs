namespace Nexodus.Mesh.Relay.Protocol;

/// <summary>
/// Send-packet (key = destination) and recv-packet (key = source) share one layout. A view over the payload:
/// parsing allocates nothing.
/// <code>
/// key(32) | kind(1) | packet (0..MaxPacketSize bytes)
/// </code>
/// </summary>
public readonly ref struct PacketFrame
{
    public const int PrefixSize = ProtocolConstants.KeySize + 1;

    public PacketFrame(ReadOnlySpan<byte> key, PacketKind kind, ReadOnlySpan<byte> packet)
    {
        Key = key;
        Kind = kind;
        Packet = packet;
    }

    public ReadOnlySpan<byte> Key { get; }

    public PacketKind Kind { get; }

    public ReadOnlySpan<byte> Packet { get; }

    public static PacketFrame Read(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < PrefixSize)
        {
            throw new RelayProtocolException($"packet frame is {payload.Length} bytes, needs at least {PrefixSize}");
        }

        var kind = payload[ProtocolConstants.KeySize] == (byte)PacketKind.Disco ? PacketKind.Disco : PacketKind.Data;
        return new PacketFrame(payload[..ProtocolConstants.KeySize], kind, payload[PrefixSize..]);
    }

    public static int FrameSize(int packetLength) => ProtocolConstants.HeaderSize + PrefixSize + packetLength;

    /// <summary>Writes header + payload into <paramref name="destination"/>; returns the frame size.</summary>
    public static int Write(Span<byte> destination, FrameType type, ReadOnlySpan<byte> key, PacketKind kind, ReadOnlySpan<byte> packet)
    {
        if (packet.Length > ProtocolConstants.MaxPacketSize)
        {
            throw new ArgumentException($"packet of {packet.Length} bytes exceeds {ProtocolConstants.MaxPacketSize}", nameof(packet));
        }

        FrameHeader.Write(destination, type, PrefixSize + packet.Length);
        var p = destination[ProtocolConstants.HeaderSize..];
        key.CopyTo(p);
        p[ProtocolConstants.KeySize] = (byte)kind;
        packet.CopyTo(p[PrefixSize..]);
        return FrameSize(packet.Length);
    }
}
