using System.Net;
using Nexodus.Mesh.Stun.Codec;
using Nexodus.Mesh.Stun.Server;
using Nexodus.Mesh.TestDoubles.Sockets;

namespace Nexodus.Mesh.Stun.Tests.Client;

/// <summary>The real <see cref="StunResponder"/> on one or four in-memory sockets (RFC 5780 layout).</summary>
internal sealed class InMemoryStunServer : IAsyncDisposable
{
    private readonly InMemoryDatagramSocket[] _sockets;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _loops;
    private int _requests;

    public InMemoryStunServer(InMemoryDatagramNetwork network, IPEndPoint primary, IPAddress? alternateIp = null, int alternatePort = 0)
    {
        var endPoints = alternateIp is null
            ? new[] { primary }
            : [primary, new IPEndPoint(primary.Address, alternatePort), new IPEndPoint(alternateIp, primary.Port), new IPEndPoint(alternateIp, alternatePort)];
        _sockets = [.. endPoints.Select(network.Bind)];
        var responder = new StunResponder([.. endPoints.Select(e => (StunAddress?)StunAddress.FromEndPoint(e))], "in-memory");
        _loops = [.. Enumerable.Range(0, _sockets.Length).Select(i => Task.Run(() => LoopAsync(responder, i)))];
    }

    public IPEndPoint EndPoint => _sockets[0].LocalEndPoint;

    public int Requests => Volatile.Read(ref _requests);

    private async Task LoopAsync(StunResponder responder, int index)
    {
        var response = new byte[StunResponder.MaxResponseLength];
        try
        {
            while (true)
            {
                var d = await _sockets[index].ReceiveAsync(_stop.Token);
                Interlocked.Increment(ref _requests);
                var decision = responder.Respond(d.Payload, StunAddress.FromEndPoint(d.From), (StunSocketRole)index, response);
                if (decision.Kind != StunResponseKind.Dropped)
                {
                    await _sockets[decision.SendFrom].SendToAsync(response.AsMemory(0, decision.Length), d.From);
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
        await Task.WhenAll(_loops);
        foreach (var s in _sockets)
        {
            await s.DisposeAsync();
        }

        _stop.Dispose();
    }
}
