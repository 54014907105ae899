using Nexodus.Mesh.Core.Keys;

namespace Nexodus.Mesh.Relay.Protocol;

/// <summary>
/// Frames whose payload is one key: peer-present (server → client) and mesh-peer-gone (relay → relay).
/// <code>
/// key(32) | ignored...
/// </code>
/// </summary>
public readonly record struct KeyFrame(PublicKey Key)
{
    public const int MinSize = ProtocolConstants.KeySize;

    public static KeyFrame Read(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < MinSize)
        {
            throw new RelayProtocolException($"key frame is {payload.Length} bytes, needs {MinSize}");
        }

        return new KeyFrame(PublicKey.FromBytes(payload[..MinSize]));
    }

    public byte[] Encode(FrameType type)
    {
        var frame = FrameHeader.Allocate(type, MinSize);
        Key.Span.CopyTo(frame.AsSpan(ProtocolConstants.HeaderSize));
        return frame;
    }
}
