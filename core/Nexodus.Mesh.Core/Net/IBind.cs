namespace Nexodus.Mesh.Core.Net;

/// <summary>
/// The datagram seam under the WireGuard engine: one socket per address family, batched receive and send.
/// The same socket also carries disco and STUN (DESIGN §3): the engine offers every received datagram to an
/// <see cref="IDatagramInterceptor"/> first, and <see cref="Send(Endpoint, ReadOnlySpan{byte})"/> sends any
/// datagram, WireGuard or not.
/// </summary>
public interface IBind : IAsyncDisposable
{
    /// <summary>How many datagrams one receive or send call can carry.</summary>
    int BatchSize { get; }

    /// <summary>Number of receive loops the caller should run, each calling <see cref="Receive"/> with its index.</summary>
    int ReceiverCount { get; }

    /// <summary>Bound port (after <see cref="Open"/>), 0 when closed.</summary>
    ushort Port { get; }

    /// <summary>Binds to <paramref name="port"/> (0 = any) and returns the port actually bound.</summary>
    ushort Open(ushort port);

    /// <summary>Closes the sockets; blocked <see cref="Receive"/> calls return 0.</summary>
    void Close();

    /// <summary>
    /// Blocks until at least one datagram arrives, fills <paramref name="batch"/> (buffers, offsets, lengths,
    /// endpoints) and returns the count; 0 when the bind was closed. Buffers are filled at
    /// <paramref name="headroom"/> so the caller can work in place.
    /// </summary>
    int Receive(int receiver, PacketBatch batch, int headroom);

    /// <summary>Sends packets [0, batch.Count) of <paramref name="batch"/> to <paramref name="to"/>. False (and drop) when unreachable.</summary>
    bool Send(Endpoint to, PacketBatch batch);

    /// <summary>Sends one datagram (handshakes, disco, STUN).</summary>
    bool Send(Endpoint to, ReadOnlySpan<byte> datagram);
}
