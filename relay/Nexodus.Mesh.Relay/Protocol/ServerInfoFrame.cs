using System.Buffers.Binary;

namespace Nexodus.Mesh.Relay.Protocol;

/// <summary>
/// Sent once the client (or mesh peer) is admitted.
/// <code>
/// version(1) | keepalive interval in ms(4, BE) | ignored...
/// </code>
/// </summary>
public readonly record struct ServerInfoFrame(byte Version, TimeSpan KeepAlive)
{
    public const int MinSize = 5;

    public static ServerInfoFrame Read(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < MinSize)
        {
            throw new RelayProtocolException($"server-info frame is {payload.Length} bytes, needs {MinSize}");
        }

        return new ServerInfoFrame(payload[0], TimeSpan.FromMilliseconds(BinaryPrimitives.ReadUInt32BigEndian(payload[1..])));
    }

    public byte[] Encode()
    {
        var frame = FrameHeader.Allocate(FrameType.ServerInfo, MinSize);
        frame[ProtocolConstants.HeaderSize] = Version;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(ProtocolConstants.HeaderSize + 1), (uint)KeepAlive.TotalMilliseconds);
        return frame;
    }
}
