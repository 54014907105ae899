using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Nexodus.Mesh.Netsim;

namespace Nexodus.Mesh.TestDoubles.Netsim;

/// <summary>
/// A UDP "what is my address" observer inside a lab server namespace: one socket per (address, port) of
/// <see cref="Addresses"/> × <see cref="Ports"/>. It records the source endpoint of every datagram (keyed by its
/// payload, a probe token) and can send from any of its sockets, which is what RFC 5780-style mapping and
/// filtering probes need. Replies nothing on its own: the probe drives both sides.
/// </summary>
public sealed class UdpObserver : IAsyncDisposable
{
    private readonly Dictionary<IPEndPoint, Socket> _sockets = [];
    private readonly ConcurrentDictionary<string, TaskCompletionSource<IPEndPoint>> _seen = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];

    private UdpObserver(IReadOnlyList<IPAddress> addresses, IReadOnlyList<int> ports)
    {
        Addresses = addresses;
        Ports = ports;
    }

    public IReadOnlyList<IPAddress> Addresses { get; }

    public IReadOnlyList<int> Ports { get; }

    /// <summary>Starts an observer on the server's first two addresses and the given two ports.</summary>
    public static UdpObserver Start(LabNode server, int port1 = 3478, int port2 = 3479)
    {
        if (server.Addresses.Count < 2)
        {
            throw new ArgumentException($"{server.Name} needs two addresses", nameof(server));
        }

        var observer = new UdpObserver([server.Addresses[0], server.Addresses[1]], [port1, port2]);
        foreach (var a in observer.Addresses)
        {
            foreach (var p in observer.Ports)
            {
                var ep = new IPEndPoint(a, p);
                var socket = server.OpenUdpSocket(ep);
                observer._sockets[ep] = socket;
                observer._loops.Add(Task.Run(() => observer.ReceiveLoopAsync(socket)));
            }
        }

        return observer;
    }

    /// <summary>Endpoint (address index 0/1, port index 0/1) of the observer.</summary>
    public IPEndPoint Endpoint(int addressIndex, int portIndex) => new(Addresses[addressIndex], Ports[portIndex]);

    /// <summary>Waits for the datagram carrying <paramref name="token"/> and returns its source (the mapping).</summary>
    public async Task<IPEndPoint?> WaitForAsync(string token, TimeSpan timeout)
    {
        var tcs = _seen.GetOrAdd(token, _ => new TaskCompletionSource<IPEndPoint>(TaskCreationOptions.RunContinuationsAsynchronously));
        var done = await Task.WhenAny(tcs.Task, Task.Delay(timeout));
        return done == tcs.Task ? await tcs.Task : null;
    }

    /// <summary>Sends <paramref name="token"/> from the observer socket at <paramref name="from"/> to <paramref name="to"/>.</summary>
    public async Task SendAsync(IPEndPoint from, IPEndPoint to, string token)
    {
        await _sockets[from].SendToAsync(Encoding.UTF8.GetBytes(token), SocketFlags.None, to);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        foreach (var s in _sockets.Values)
        {
            s.Dispose();
        }

        try
        {
            await Task.WhenAll(_loops);
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Closing the sockets ends the loops.
        }

        _stop.Dispose();
    }

    private async Task ReceiveLoopAsync(Socket socket)
    {
        var buffer = new byte[2048];
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult r;
            try
            {
                r = await socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            var token = Encoding.UTF8.GetString(buffer, 0, r.ReceivedBytes);
            var tcs = _seen.GetOrAdd(token, _ => new TaskCompletionSource<IPEndPoint>(TaskCreationOptions.RunContinuationsAsynchronously));
            tcs.TrySetResult((IPEndPoint)r.RemoteEndPoint);
        }
    }
}
