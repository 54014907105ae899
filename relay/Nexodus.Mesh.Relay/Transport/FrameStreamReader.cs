using System.Buffers;
using System.IO.Pipelines;
using Nexodus.Mesh.Relay.Protocol;

namespace Nexodus.Mesh.Relay.Transport;

/// <summary>Helpers to read frames from a <see cref="PipeReader"/>.</summary>
internal static class FrameStreamReader
{
    public static PipeReader Create(Stream stream) =>
        PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 16 * 1024, leaveOpen: true));

    /// <summary>Reads one whole frame (allocating its payload); for handshakes, not for the packet path.</summary>
    public static async ValueTask<(FrameType Type, byte[] Payload)> ReadOneAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            if (FrameReader.TryReadFrame(ref buffer, out var type, out var payload))
            {
                var bytes = payload.ToArray();
                reader.AdvanceTo(buffer.Start);
                return (type, bytes);
            }

            if (result.IsCompleted)
            {
                reader.AdvanceTo(buffer.Start, buffer.End);
                throw new EndOfStreamException("connection closed before a whole frame arrived");
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>The payload as one span: zero-copy when contiguous, else copied into <paramref name="scratch"/>.</summary>
    public static ReadOnlySpan<byte> Contiguous(in ReadOnlySequence<byte> payload, byte[] scratch)
    {
        if (payload.IsSingleSegment)
        {
            return payload.FirstSpan;
        }

        payload.CopyTo(scratch);
        return scratch.AsSpan(0, (int)payload.Length);
    }
}
