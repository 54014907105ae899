using System.Net;
using System.Net.Sockets;
using System.Text;
using Nexodus.Mesh.Netsim;

namespace Nexodus.Mesh.TestDoubles.Netsim;

/// <summary>A UDP socket in a lab host that sends probe tokens and records which tokens arrive, from where.</summary>
public sealed class ProbeSocket : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly Dictionary<string, TaskCompletionSource<IPEndPoint>> _arrived = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public ProbeSocket(LabNode host, int localPort = 0)
    {
        _socket = host.OpenUdpSocket(new IPEndPoint(IPAddress.Any, localPort));
        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        _loop = Task.Run(ReceiveLoopAsync);
    }

    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Sends a token; a local refusal (EPERM from a drop rule, unreachable network) counts as a lost packet.</summary>
    public async Task SendAsync(IPEndPoint to, string token)
    {
        try
        {
            await _socket.SendToAsync(Encoding.UTF8.GetBytes(token), SocketFlags.None, to);
        }
        catch (SocketException)
        {
            // Lost, as far as the probe is concerned.
        }
    }

    /// <summary>Source of the datagram carrying <paramref name="token"/>, or null if it did not arrive in time.</summary>
    public async Task<IPEndPoint?> WaitForAsync(string token, TimeSpan timeout)
    {
        var tcs = Slot(token);
        var done = await Task.WhenAny(tcs.Task, Task.Delay(timeout));
        return done == tcs.Task ? await tcs.Task : null;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Dispose();
        try
        {
            await _loop;
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }

        _stop.Dispose();
    }

    private TaskCompletionSource<IPEndPoint> Slot(string token)
    {
        lock (_gate)
        {
            if (!_arrived.TryGetValue(token, out var tcs))
            {
                tcs = new TaskCompletionSource<IPEndPoint>(TaskCreationOptions.RunContinuationsAsynchronously);
                _arrived[token] = tcs;
            }

            return tcs;
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[2048];
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult r;
            try
            {
                r = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            Slot(Encoding.UTF8.GetString(buffer, 0, r.ReceivedBytes)).TrySetResult((IPEndPoint)r.RemoteEndPoint);
        }
    }
}
