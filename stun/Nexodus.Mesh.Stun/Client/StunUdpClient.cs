using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Nexodus.Mesh.Stun.Client;

/// <summary>
/// A <see cref="StunClient"/> on its own UDP socket: owns the socket, runs the receive loop and feeds the client.
/// Datagrams that are not answers to this client are dropped.
/// </summary>
public sealed class StunUdpClient : IStunTransport, IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _receiveLoop;

    private StunUdpClient(Socket socket, TimeProvider? timeProvider, ILogger<StunClient>? logger)
    {
        _socket = socket;
        Client = new StunClient(this, timeProvider, logger);
        _receiveLoop = Task.Run(ReceiveLoopAsync);
    }

    public StunClient Client { get; }

    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    /// <summary>Datagrams received that were not for this client.</summary>
    public long IgnoredDatagrams => Interlocked.Read(ref _ignored);

    private long _ignored;

    /// <summary>Binds a UDP socket to <paramref name="localEndPoint"/> (port 0 = any).</summary>
    public static StunUdpClient Bind(IPEndPoint localEndPoint, TimeProvider? timeProvider = null, ILogger<StunClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(localEndPoint);
        var socket = new Socket(localEndPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (localEndPoint.AddressFamily == AddressFamily.InterNetworkV6 && localEndPoint.Address.Equals(IPAddress.IPv6Any))
            {
                socket.DualMode = true;
            }

            socket.Bind(localEndPoint);
            return new StunUdpClient(socket, timeProvider, logger);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public async ValueTask SendAsync(ReadOnlyMemory<byte> datagram, EndPoint destination, CancellationToken cancellationToken)
    {
        if (_socket.AddressFamily == AddressFamily.InterNetworkV6 && destination is IPEndPoint { AddressFamily: AddressFamily.InterNetwork } v4)
        {
            destination = new IPEndPoint(v4.Address.MapToIPv6(), v4.Port);
        }

        await _socket.SendToAsync(datagram, SocketFlags.None, destination, cancellationToken);
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[2048];
        EndPoint any = _socket.AddressFamily == AddressFamily.InterNetworkV6
            ? new IPEndPoint(IPAddress.IPv6Any, 0)
            : new IPEndPoint(IPAddress.Any, 0);
        while (!_stopping.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any, _stopping.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }

            if (!Client.TryHandle(buffer.AsSpan(0, received.ReceivedBytes), received.RemoteEndPoint))
            {
                Interlocked.Increment(ref _ignored);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync();
        await _receiveLoop;
        _socket.Dispose();
        _stopping.Dispose();
    }
}
