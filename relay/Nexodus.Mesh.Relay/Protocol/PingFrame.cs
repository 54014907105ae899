namespace Nexodus.Mesh.Relay.Protocol;

/// <summary>
/// Ping and pong carry the same 8 opaque bytes; the pong echoes the ping's.
/// <code>
/// data(8) | ignored...
/// </code>
/// </summary>
public readonly record struct PingFrame(ulong Data)
{
    public const int MinSize = 8;

    public static PingFrame Read(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < MinSize)
        {
            throw new RelayProtocolException($"ping/pong frame is {payload.Length} bytes, needs {MinSize}");
        }

        return new PingFrame(System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(payload));
    }

    public byte[] Encode(FrameType type)
    {
        var frame = FrameHeader.Allocate(type, MinSize);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(frame.AsSpan(ProtocolConstants.HeaderSize), Data);
        return frame;
    }
}
