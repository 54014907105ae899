using System.Collections.Concurrent;
using System.Net;

namespace Nexodus.Mesh.TestDoubles.Sockets;

/// <summary>
/// An in-memory UDP "network": sockets bound to IP:port, datagrams delivered by destination, optional drop rule
/// (loss, firewalls) and a log of everything sent. Delivery is immediate and ordered per sender; a datagram to
/// an address nobody bound is dropped, like UDP. Useful for any component whose socket seam takes
/// "send datagram to endpoint" and "datagram received from endpoint".
/// </summary>
public sealed class InMemoryDatagramNetwork
{
    private readonly ConcurrentDictionary<IPEndPoint, InMemoryDatagramSocket> _bound = new();
    private readonly ConcurrentQueue<InMemoryDatagram> _sent = new();
    private int _nextPort = 40000;
    private long _delivered;
    private long _dropped;

    /// <summary>Called for every datagram; return false to drop it.</summary>
    public Func<InMemoryDatagram, bool>? Filter { get; set; }

    /// <summary>Every datagram any socket sent, in order (delivered or not).</summary>
    public IReadOnlyCollection<InMemoryDatagram> Sent => _sent;

    public long Delivered => Interlocked.Read(ref _delivered);

    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Binds a socket; port 0 picks an unused port.</summary>
    public InMemoryDatagramSocket Bind(IPEndPoint localEndPoint, int receiveQueueCapacity = 1024)
    {
        ArgumentNullException.ThrowIfNull(localEndPoint);
        while (true)
        {
            var endPoint = localEndPoint.Port != 0
                ? localEndPoint
                : new IPEndPoint(localEndPoint.Address, Interlocked.Increment(ref _nextPort));
            var socket = new InMemoryDatagramSocket(this, endPoint, receiveQueueCapacity);
            if (_bound.TryAdd(endPoint, socket))
            {
                return socket;
            }

            if (localEndPoint.Port != 0)
            {
                throw new InvalidOperationException($"{endPoint} is already bound on this in-memory network");
            }
        }
    }

    /// <summary>Two sockets on 127.0.0.1 that can talk to each other.</summary>
    public (InMemoryDatagramSocket A, InMemoryDatagramSocket B) CreatePair() =>
        (Bind(new IPEndPoint(IPAddress.Loopback, 0)), Bind(new IPEndPoint(IPAddress.Loopback, 0)));

    internal void Send(InMemoryDatagram datagram)
    {
        _sent.Enqueue(datagram);
        if ((Filter is { } filter && !filter(datagram))
            || !_bound.TryGetValue(datagram.To, out var target)
            || !target.Enqueue(datagram))
        {
            Interlocked.Increment(ref _dropped);
            return;
        }

        Interlocked.Increment(ref _delivered);
    }

    internal void Unbind(InMemoryDatagramSocket socket) => _bound.TryRemove(new KeyValuePair<IPEndPoint, InMemoryDatagramSocket>(socket.LocalEndPoint, socket));
}
