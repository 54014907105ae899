using System.Net;
using System.Threading.Channels;

namespace Nexodus.Mesh.TestDoubles.Sockets;

/// <summary>A UDP-like socket on an <see cref="InMemoryDatagramNetwork"/>. A full receive queue drops, like a kernel buffer.</summary>
public sealed class InMemoryDatagramSocket : IAsyncDisposable
{
    private readonly InMemoryDatagramNetwork _network;
    private readonly Channel<InMemoryDatagram> _queue;

    internal InMemoryDatagramSocket(InMemoryDatagramNetwork network, IPEndPoint localEndPoint, int capacity)
    {
        _network = network;
        LocalEndPoint = localEndPoint;
        _queue = Channel.CreateBounded<InMemoryDatagram>(new BoundedChannelOptions(capacity)
        {
            // Wait mode makes TryWrite report a full queue, so the network can count the drop.
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = false,
            SingleWriter = false,
        });
    }

    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Sends a copy of <paramref name="datagram"/>; the caller may reuse its buffer at once.</summary>
    public ValueTask SendToAsync(ReadOnlyMemory<byte> datagram, EndPoint destination, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (destination is not IPEndPoint to)
        {
            throw new ArgumentException("destination must be an IPEndPoint", nameof(destination));
        }

        _network.Send(new InMemoryDatagram(LocalEndPoint, to, datagram.ToArray()));
        return ValueTask.CompletedTask;
    }

    /// <summary>Waits for the next datagram; throws <see cref="ChannelClosedException"/> after disposal.</summary>
    public ValueTask<InMemoryDatagram> ReceiveAsync(CancellationToken cancellationToken = default) =>
        _queue.Reader.ReadAsync(cancellationToken);

    public bool TryReceive(out InMemoryDatagram datagram) => _queue.Reader.TryRead(out datagram);

    internal bool Enqueue(InMemoryDatagram datagram) => _queue.Writer.TryWrite(datagram);

    public ValueTask DisposeAsync()
    {
        _network.Unbind(this);
        _queue.Writer.TryComplete();
        return ValueTask.CompletedTask;
    }
}
