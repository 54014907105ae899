using System.Net;
using Nexodus.Mesh.Stun.Client;
using Nexodus.Mesh.TestDoubles.Sockets;

namespace Nexodus.Mesh.Stun.Tests.Client;

/// <summary>
/// Plays "the node's socket": owns an in-memory socket, hands every datagram to the client first and keeps the
/// ones the client did not claim (as the node would pass them on to WireGuard).
/// </summary>
internal sealed class InMemoryStunTransport : IStunTransport, IAsyncDisposable
{
    private readonly InMemoryDatagramSocket _socket;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _pump;

    public InMemoryStunTransport(InMemoryDatagramSocket socket, TimeProvider time)
    {
        _socket = socket;
        Client = new StunClient(this, time);
        _pump = Task.Run(PumpAsync);
    }

    public StunClient Client { get; }

    public List<InMemoryDatagram> NotForStun { get; } = [];

    public ValueTask SendAsync(ReadOnlyMemory<byte> datagram, EndPoint destination, CancellationToken cancellationToken) =>
        _socket.SendToAsync(datagram, destination, cancellationToken);

    private async Task PumpAsync()
    {
        try
        {
            while (true)
            {
                var d = await _socket.ReceiveAsync(_stop.Token);
                if (!Client.TryHandle(d.Payload, d.From))
                {
                    lock (NotForStun)
                    {
                        NotForStun.Add(d);
                    }
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or System.Threading.Channels.ChannelClosedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _pump;
        await _socket.DisposeAsync();
        _stop.Dispose();
    }
}
