using Nexodus.Mesh.Core.Keys;

namespace Nexodus.Mesh.Relay.Protocol;

/// <summary>
/// <code>
/// key(32) | reason(1) | ignored...
/// </code>
/// </summary>
public readonly record struct PeerGoneFrame(PublicKey Key, PeerGoneReason Reason)
{
    public const int MinSize = ProtocolConstants.KeySize + 1;

    public static PeerGoneFrame Read(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < MinSize)
        {
            throw new RelayProtocolException($"peer-gone frame is {payload.Length} bytes, needs {MinSize}");
        }

        return new PeerGoneFrame(PublicKey.FromBytes(payload[..ProtocolConstants.KeySize]), (PeerGoneReason)payload[ProtocolConstants.KeySize]);
    }

    public byte[] Encode() => Encode(Key.Span, Reason);

    public static byte[] Encode(ReadOnlySpan<byte> key, PeerGoneReason reason)
    {
        var frame = FrameHeader.Allocate(FrameType.PeerGone, MinSize);
        key.CopyTo(frame.AsSpan(ProtocolConstants.HeaderSize));
        frame[^1] = (byte)reason;
        return frame;
    }
}
