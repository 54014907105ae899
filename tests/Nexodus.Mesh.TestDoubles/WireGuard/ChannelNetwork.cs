using System.Collections.Concurrent;
using System.Net;
using Nexodus.Mesh.Core.Net;

namespace Nexodus.Mesh.TestDoubles.WireGuard;

/// <summary>
/// An in-memory UDP "network" joining <see cref="ChannelBind"/>s by address. A test can watch, drop, hold back
/// or duplicate datagrams with <see cref="Filter"/> and inject its own with <see cref="ChannelBind.Inject"/>.
/// </summary>
public sealed class ChannelNetwork
{
    private readonly ConcurrentDictionary<UdpEndpoint, ChannelBind> _binds = new();

    /// <summary>Decides per datagram: true = deliver. Runs on the sender's thread.</summary>
    public Func<UdpEndpoint, Endpoint, byte[], bool>? Filter { get; set; }

    /// <summary>Every datagram that was sent (before the filter), for tests that replay or inspect traffic.</summary>
    public ConcurrentQueue<(UdpEndpoint From, Endpoint To, byte[] Data)> Sent { get; } = new();

    public bool CaptureSent { get; set; }

    public ChannelBind CreateBind(string address) => new(this, UdpEndpoint.Parse(address));

    internal void Register(UdpEndpoint at, ChannelBind bind) => _binds[at] = bind;

    internal void Unregister(UdpEndpoint at, ChannelBind bind) => _binds.TryRemove(new KeyValuePair<UdpEndpoint, ChannelBind>(at, bind));

    internal bool Deliver(UdpEndpoint from, Endpoint to, byte[] data)
    {
        if (CaptureSent)
        {
            Sent.Enqueue((from, to, data));
        }

        var filter = Filter;
        if (filter is not null && !filter(from, to, data))
        {
            return true; // lost on the wire: the sender cannot tell
        }

        if (to is UdpEndpoint u && _binds.TryGetValue(u, out var bind))
        {
            bind.Inject(from, data);
        }

        return true;
    }

    public static UdpEndpoint Address(string text) => new(IPEndPoint.Parse(text));
}
