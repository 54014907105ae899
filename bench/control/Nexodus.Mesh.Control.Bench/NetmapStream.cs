using System.Buffers;
using System.Diagnostics;

namespace Nexodus.Mesh.Control.Bench;

/// <summary>
/// One simulated device's netmap stream. Lines are not parsed (a full map at 10,000 peers is megabytes, and parsing
/// 10,000 of them would measure this process instead of control): the pump only notices the first newline (the full
/// map arrived) and whether the active probe's node key appears in what it reads. Buffers are rented only while
/// bytes are ready (zero-byte read first), so thousands of idle streams hold none.
/// </summary>
internal sealed class NetmapStream(HttpResponseMessage response, Stream body, StreamFleet fleet, int openedDuringProbe)
{
    private const int ChunkSize = 16 * 1024;

    // The end of the previous chunk, so a marker split across two reads is still found.
    private readonly byte[] _tail = new byte[64];
    private int _tailLength;
    // A stream opened during a probe (the probe device itself) does not count for that probe.
    private int _lastProbe = openedDuringProbe;

    public TaskCompletionSource FirstLine { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public long BytesRead { get; private set; }

    public Task PumpAsync() => Task.Run(async () =>
    {
        try
        {
            while (true)
            {
                // Zero-byte read: wait for data without holding a buffer.
#pragma warning disable CA2022
                await body.ReadAsync(Memory<byte>.Empty);
#pragma warning restore CA2022
                var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
                try
                {
                    var n = await body.ReadAsync(buffer.AsMemory(0, ChunkSize));
                    if (n == 0)
                    {
                        break;
                    }

                    Inspect(buffer.AsSpan(0, n));
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }

            fleet.StreamEnded(this, null);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or ObjectDisposedException or OperationCanceledException)
        {
            fleet.StreamEnded(this, ex);
        }
        finally
        {
            FirstLine.TrySetException(new IOException("stream ended before the first line"));
            response.Dispose();
        }
    });

    private void Inspect(ReadOnlySpan<byte> chunk)
    {
        BytesRead += chunk.Length;
        fleet.LastByteTimestamp = Stopwatch.GetTimestamp();
        if (!FirstLine.Task.IsCompleted && chunk.Contains((byte)'\n'))
        {
            FirstLine.TrySetResult();
        }

        var probe = fleet.ActiveProbe;
        if (probe is not null && _lastProbe != probe.Id && FirstLine.Task.IsCompletedSuccessfully)
        {
            var marker = probe.Marker;
            var found = chunk.IndexOf(marker) >= 0;
            if (!found && _tailLength > 0)
            {
                Span<byte> seam = stackalloc byte[128];
                _tail.AsSpan(0, _tailLength).CopyTo(seam);
                var head = Math.Min(chunk.Length, marker.Length - 1);
                chunk[..head].CopyTo(seam[_tailLength..]);
                found = seam[..(_tailLength + head)].IndexOf(marker) >= 0;
            }

            if (found)
            {
                _lastProbe = probe.Id;
                probe.Arrived();
            }
        }

        var keep = Math.Min(chunk.Length, _tail.Length);
        chunk[^keep..].CopyTo(_tail);
        _tailLength = keep;
    }
}
