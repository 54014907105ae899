using System.Buffers;
using System.Threading.Channels;
using Nexodus.Mesh.Relay.Protocol;

namespace Nexodus.Mesh.Relay.Transport;

/// <summary>
/// The sending half of one connection: three bounded queues (control, disco, data) that drop their oldest frame on
/// overflow, and one writer loop that batches queued frames into few large writes. Producers never block and never
/// touch the stream, so a slow receiver costs the relay at most its queue bound, never a stalled sender.
/// Packet frames live in pooled buffers that are returned on write or on drop.
/// </summary>
internal sealed class FrameSender
{
    private const int BatchSize = 64 * 1024;
    private readonly Stream _stream;
    private readonly Channel<OutFrame> _control;
    private readonly Channel<OutFrame> _disco;
    private readonly Channel<OutFrame> _data;
    private readonly Channel<byte> _signal = Channel.CreateBounded<byte>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private volatile bool _closed;

    // 1 while a wake-up is pending or the writer is draining: producers then skip the signal channel (and its lock).
    private int _signalled;

    public FrameSender(Stream stream, int dataCapacity, int discoCapacity, Action<OutboundLane>? onDrop = null)
    {
        _stream = stream;
        _control = Create(256, OutboundLane.Control, onDrop);
        _disco = Create(discoCapacity, OutboundLane.Disco, onDrop);
        _data = Create(dataCapacity, OutboundLane.Data, onDrop);
    }

    public int DataDepth => _data.Reader.Count;

    public int DiscoDepth => _disco.Reader.Count;

    public bool IsClosed => _closed;

    private static Channel<OutFrame> Create(int capacity, OutboundLane lane, Action<OutboundLane>? onDrop) =>
        Channel.CreateBounded<OutFrame>(
            new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, AllowSynchronousContinuations = false },
            dropped =>
            {
                dropped.Release();
                onDrop?.Invoke(lane);
            });

    /// <summary>Queues a pre-encoded control frame (not pooled; may be shared).</summary>
    public bool EnqueueControl(ReadOnlyMemory<byte> frame) => Enqueue(_control, new OutFrame(frame, null));

    /// <summary>Queues a send/recv-packet frame; copies <paramref name="packet"/> into a pooled buffer.</summary>
    public bool EnqueuePacket(FrameType type, ReadOnlySpan<byte> key, PacketKind kind, ReadOnlySpan<byte> packet)
    {
        if (_closed)
        {
            return false;
        }

        var size = PacketFrame.FrameSize(packet.Length);
        var buffer = FramePool.Rent(size);
        PacketFrame.Write(buffer, type, key, kind, packet);
        return Enqueue(kind == PacketKind.Disco ? _disco : _data, new OutFrame(buffer.AsMemory(0, size), buffer));
    }

    /// <summary>Queues a mesh forward-packet frame.</summary>
    public bool EnqueueForward(ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination, PacketKind kind, ReadOnlySpan<byte> packet)
    {
        if (_closed)
        {
            return false;
        }

        var size = ForwardPacketFrame.FrameSize(packet.Length);
        var buffer = FramePool.Rent(size);
        ForwardPacketFrame.Write(buffer, source, destination, kind, packet);
        return Enqueue(kind == PacketKind.Disco ? _disco : _data, new OutFrame(buffer.AsMemory(0, size), buffer));
    }

    private bool Enqueue(Channel<OutFrame> lane, OutFrame frame)
    {
        if (_closed || !lane.Writer.TryWrite(frame))
        {
            frame.Release();
            return false;
        }

        if (Interlocked.Exchange(ref _signalled, 1) == 0)
        {
            _signal.Writer.TryWrite(0);
        }

        return true;
    }

    /// <summary>Writes queued frames until cancelled or the stream fails; control first, then disco, then data.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var batch = ArrayPool<byte>.Shared.Rent(BatchSize + ProtocolConstants.HeaderSize + ProtocolConstants.MaxPayloadSize);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var used = Fill(batch);
                if (used > 0)
                {
                    await _stream.WriteAsync(batch.AsMemory(0, used), cancellationToken);
                    continue;
                }

                await _stream.FlushAsync(cancellationToken);

                // Clear the flag before the last look at the queues: a frame queued after that look finds the flag
                // clear and signals, and one queued before it is seen here. Stale signals only cost one empty pass.
                Interlocked.Exchange(ref _signalled, 0);
                if (_control.Reader.Count + _disco.Reader.Count + _data.Reader.Count > 0)
                {
                    continue;
                }

                await _signal.Reader.ReadAsync(cancellationToken);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(batch);
            Close();
        }
    }

    private int Fill(byte[] batch)
    {
        var used = 0;
        foreach (var lane in (ReadOnlySpan<Channel<OutFrame>>)[_control, _disco, _data])
        {
            while (used < BatchSize && lane.Reader.TryRead(out var frame))
            {
                frame.Memory.Span.CopyTo(batch.AsSpan(used));
                used += frame.Memory.Length;
                frame.Release();
            }
        }

        return used;
    }

    /// <summary>Stops accepting frames and returns every queued buffer to the pool.</summary>
    public void Close()
    {
        _closed = true;
        foreach (var lane in (ReadOnlySpan<Channel<OutFrame>>)[_control, _disco, _data])
        {
            lane.Writer.TryComplete();
            while (lane.Reader.TryRead(out var frame))
            {
                frame.Release();
            }
        }

        _signal.Writer.TryComplete();
    }

    private readonly record struct OutFrame(ReadOnlyMemory<byte> Memory, byte[]? Pooled)
    {
        public void Release()
        {
            if (Pooled is not null)
            {
                FramePool.Return(Pooled);
            }
        }
    }
}
