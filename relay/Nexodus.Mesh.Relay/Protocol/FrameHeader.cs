using System.Buffers.Binary;

namespace Nexodus.Mesh.Relay.Protocol;

/// <summary>
/// The five bytes in front of every frame.
/// <code>
///  0        1                               5
/// +--------+--------------------------------+----------------------+
/// |  type  |  payload length (uint32, BE)   |  payload (length B)  |
/// +--------+--------------------------------+----------------------+
/// </code>
/// </summary>
public readonly record struct FrameHeader(FrameType Type, int Length)
{
    private const int TypeOffset = 0;
    private const int LengthOffset = 1;

    /// <summary>
    /// False when fewer than <see cref="ProtocolConstants.HeaderSize"/> bytes are available; throws
    /// <see cref="RelayProtocolException"/> when the length exceeds <paramref name="maxPayload"/> (the frame
    /// is never buffered, so an attacker cannot make us allocate it).
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out FrameHeader header, int maxPayload = ProtocolConstants.MaxPayloadSize)
    {
        if (source.Length < ProtocolConstants.HeaderSize)
        {
            header = default;
            return false;
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(source[LengthOffset..]);
        if (length > (uint)maxPayload)
        {
            throw new RelayProtocolException($"frame of type 0x{source[TypeOffset]:x2} has length {length}, above the limit of {maxPayload} bytes");
        }

        header = new FrameHeader((FrameType)source[TypeOffset], (int)length);
        return true;
    }

    public static void Write(Span<byte> destination, FrameType type, int payloadLength)
    {
        destination[TypeOffset] = (byte)type;
        BinaryPrimitives.WriteUInt32BigEndian(destination[LengthOffset..], (uint)payloadLength);
    }

    /// <summary>Allocates a whole frame (header written); the caller fills <c>[HeaderSize..]</c>.</summary>
    public static byte[] Allocate(FrameType type, int payloadLength)
    {
        var frame = new byte[ProtocolConstants.HeaderSize + payloadLength];
        Write(frame, type, payloadLength);
        return frame;
    }
}
