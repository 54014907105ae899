using System.Buffers;
using Nexodus.Mesh.Core.Net;

namespace Nexodus.Mesh.Node.Paths;

/// <summary>
/// Data packets from the relay waiting for the engine: the relay client's read loop puts them in (copied into
/// pooled buffers), the bind's extra receiver takes them out in batches. Bounded: when the engine falls behind the
/// newest packet is dropped (the relay is lossy anyway, and WireGuard copes with loss).
/// </summary>
internal sealed class RelayInbox(int capacity)
{
    private readonly Queue<(byte[] Buffer, int Length, Endpoint From)> _queue = new();
    private readonly Lock _sync = new();
    private readonly SemaphoreSlim _signal = new(0);
    private volatile bool _closed;

    public bool IsClosed => _closed;

    /// <summary>False when full or closed (dropped).</summary>
    public bool TryAdd(ReadOnlySpan<byte> packet, Endpoint from)
    {
        if (_closed)
        {
            return false;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(packet.Length);
        packet.CopyTo(buffer);
        lock (_sync)
        {
            if (_queue.Count >= capacity)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                return false;
            }

            _queue.Enqueue((buffer, packet.Length, from));
        }

        _signal.Release();
        return true;
    }

    /// <summary>Blocks until packets arrive or the inbox is closed (then 0), and moves up to a batch into <paramref name="batch"/>.</summary>
    public int Take(PacketBatch batch, int headroom)
    {
        while (!_closed)
        {
            if (!_signal.Wait(250))
            {
                continue;
            }

            var n = 0;
            lock (_sync)
            {
                while (n < batch.Capacity && _queue.TryDequeue(out var item))
                {
                    var target = batch.Buffers[n];
                    if (item.Length + headroom > target.Length)
                    {
                        ArrayPool<byte>.Shared.Return(item.Buffer);
                        continue;
                    }

                    item.Buffer.AsSpan(0, item.Length).CopyTo(target.AsSpan(headroom));
                    ArrayPool<byte>.Shared.Return(item.Buffer);
                    batch.Offsets[n] = headroom;
                    batch.Lengths[n] = item.Length;
                    batch.Endpoints[n] = item.From;
                    n++;
                }
            }

            // The semaphore counted every packet; absorb the releases of the ones this batch took beyond the first.
            for (var i = 1; i < n; i++)
            {
                _signal.Wait(0);
            }

            if (n > 0)
            {
                batch.Count = n;
                return n;
            }
        }

        return 0;
    }

    /// <summary>Unblocks <see cref="Take"/> (returns 0) until <see cref="Reopen"/>.</summary>
    public void Close()
    {
        _closed = true;
        _signal.Release();
    }

    public void Reopen() => _closed = false;
}
