using System.Buffers.Binary;

namespace Nexodus.Mesh.Relay.Protocol;

/// <summary>
/// The relay is going away on purpose: reconnect after <see cref="ReconnectIn"/>, keep trying for <see cref="TryFor"/>.
/// <code>
/// reconnect in ms(4, BE) | try for ms(4, BE) | ignored...
/// </code>
/// </summary>
public readonly record struct RestartingFrame(TimeSpan ReconnectIn, TimeSpan TryFor)
{
    public const int MinSize = 8;

    public static RestartingFrame Read(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < MinSize)
        {
            throw new RelayProtocolException($"restarting frame is {payload.Length} bytes, needs {MinSize}");
        }

        return new RestartingFrame(
            TimeSpan.FromMilliseconds(BinaryPrimitives.ReadUInt32BigEndian(payload)),
            TimeSpan.FromMilliseconds(BinaryPrimitives.ReadUInt32BigEndian(payload[4..])));
    }

    public byte[] Encode()
    {
        var frame = FrameHeader.Allocate(FrameType.Restarting, MinSize);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(ProtocolConstants.HeaderSize), (uint)ReconnectIn.TotalMilliseconds);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(ProtocolConstants.HeaderSize + 4), (uint)TryFor.TotalMilliseconds);
        return frame;
    }
}
