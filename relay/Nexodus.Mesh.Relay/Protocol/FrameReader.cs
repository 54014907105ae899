using System.Buffers;

namespace Nexodus.Mesh.Relay.Protocol;

/// <summary>Splits a byte stream (as buffered by a PipeReader) into frames.</summary>
public static class FrameReader
{
    /// <summary>
    /// Takes one whole frame off the front of <paramref name="buffer"/>. False (buffer untouched) when the frame is
    /// not complete yet; throws <see cref="RelayProtocolException"/> for an oversized length. Unknown types are
    /// returned like any other so the caller can skip them by length.
    /// </summary>
    public static bool TryReadFrame(ref ReadOnlySequence<byte> buffer, out FrameType type, out ReadOnlySequence<byte> payload, int maxPayload = ProtocolConstants.MaxPayloadSize)
    {
        type = default;
        payload = default;
        FrameHeader header;
        if (buffer.FirstSpan.Length >= ProtocolConstants.HeaderSize)
        {
            if (!FrameHeader.TryRead(buffer.FirstSpan, out header, maxPayload))
            {
                return false;
            }
        }
        else
        {
            if (buffer.Length < ProtocolConstants.HeaderSize)
            {
                return false;
            }

            Span<byte> head = stackalloc byte[ProtocolConstants.HeaderSize];
            buffer.Slice(0, ProtocolConstants.HeaderSize).CopyTo(head);
            FrameHeader.TryRead(head, out header, maxPayload);
        }

        if (buffer.Length - ProtocolConstants.HeaderSize < header.Length)
        {
            return false;
        }

        type = header.Type;
        payload = buffer.Slice(ProtocolConstants.HeaderSize, header.Length);
        buffer = buffer.Slice(payload.End);
        return true;
    }

    /// <summary>Span form for tests and fuzzing: the frame at the start of <paramref name="source"/>.</summary>
    public static bool TryReadFrame(ReadOnlySpan<byte> source, out FrameType type, out int payloadOffset, out int payloadLength, int maxPayload = ProtocolConstants.MaxPayloadSize)
    {
        type = default;
        payloadOffset = ProtocolConstants.HeaderSize;
        payloadLength = 0;
        if (!FrameHeader.TryRead(source, out var header, maxPayload) || source.Length - ProtocolConstants.HeaderSize < header.Length)
        {
            return false;
        }

        type = header.Type;
        payloadLength = header.Length;
        return true;
    }
}
