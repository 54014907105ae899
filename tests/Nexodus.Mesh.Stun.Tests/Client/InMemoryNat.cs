using System.Collections.Concurrent;
using System.Net;
using Nexodus.Mesh.Stun.Client;
using Nexodus.Mesh.TestDoubles.Sockets;

namespace Nexodus.Mesh.Stun.Tests.Client;

/// <summary>
/// A NAT in front of one inside socket, as an <see cref="IStunTransport"/>: the client sends through it, and
/// whatever passes its filter on the way back is handed to <see cref="StunClient.TryHandle"/>. Mapping and
/// filtering follow RFC 4787; hairpinning loops packets for its own external address back through the network.
/// Deterministic, so every classification can be checked without root; the real-kernel version is netsim.
/// </summary>
internal sealed class InMemoryNat : IStunTransport, IAsyncDisposable
{
    private readonly InMemoryDatagramNetwork _network;
    private readonly IPAddress _external;
    private readonly NatMapping _mapping;
    private readonly NatFiltering _filtering;
    private readonly bool _hairpin;
    private readonly ConcurrentDictionary<string, Mapping> _mappings = new();
    private readonly CancellationTokenSource _stop = new();
    private int _nextPort = 20000;

    public InMemoryNat(InMemoryDatagramNetwork network, IPAddress external, NatMapping mapping, NatFiltering filtering, bool hairpin)
    {
        _network = network;
        _external = external;
        _mapping = mapping;
        _filtering = filtering;
        _hairpin = hairpin;
        Client = new StunClient(this);
    }

    public StunClient Client { get; }

    public static IPEndPoint Inside { get; } = new(IPAddress.Parse("10.0.0.2"), 5000);

    public async ValueTask SendAsync(ReadOnlyMemory<byte> datagram, EndPoint destination, CancellationToken cancellationToken)
    {
        var to = (IPEndPoint)destination;
        var key = _mapping switch
        {
            NatMapping.AddressDependent => to.Address.ToString(),
            NatMapping.AddressAndPortDependent => to.ToString(),
            _ => "*",
        };
        var mapping = _mappings.GetOrAdd(key, _ => Open());
        mapping.Permit(to);
        if (to.Address.Equals(_external) && !_hairpin)
        {
            return;
        }

        await mapping.Socket.SendToAsync(datagram, to, cancellationToken);
    }

    private Mapping Open()
    {
        var socket = _network.Bind(new IPEndPoint(_external, Interlocked.Increment(ref _nextPort)));
        var mapping = new Mapping(socket);
        _ = Task.Run(() => PumpAsync(mapping));
        return mapping;
    }

    private async Task PumpAsync(Mapping mapping)
    {
        try
        {
            while (true)
            {
                var d = await mapping.Socket.ReceiveAsync(_stop.Token);
                var allowed = _filtering switch
                {
                    NatFiltering.AddressDependent => mapping.Addresses.ContainsKey(d.From.Address),
                    NatFiltering.AddressAndPortDependent => mapping.EndPoints.ContainsKey(d.From),
                    _ => true,
                };
                if (allowed)
                {
                    Client.TryHandle(d.Payload, d.From);
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
        foreach (var m in _mappings.Values)
        {
            await m.Socket.DisposeAsync();
        }

        _stop.Dispose();
    }

    private sealed class Mapping(InMemoryDatagramSocket socket)
    {
        public InMemoryDatagramSocket Socket { get; } = socket;

        public ConcurrentDictionary<IPAddress, bool> Addresses { get; } = new();

        public ConcurrentDictionary<IPEndPoint, bool> EndPoints { get; } = new();

        public void Permit(IPEndPoint to)
        {
            Addresses[to.Address] = true;
            EndPoints[to] = true;
        }
    }
}
