using Nexodus.Mesh.Core.Net;

namespace Nexodus.Mesh.Node.Tests.Paths;

/// <summary>A real bind whose sends a test can cut (as an nftables drop on the path would) without touching the host's firewall.</summary>
internal sealed class GatedBind(IBind inner) : IBind
{
    /// <summary>True = the datagram to that endpoint is lost on the wire.</summary>
    public Func<Endpoint, bool>? Drop { get; set; }

    public int BatchSize => inner.BatchSize;

    public int ReceiverCount => inner.ReceiverCount;

    public ushort Port => inner.Port;

    public ushort Open(ushort port) => inner.Open(port);

    public void Close() => inner.Close();

    public int Receive(int receiver, PacketBatch batch, int headroom) => inner.Receive(receiver, batch, headroom);

    public bool Send(Endpoint to, PacketBatch batch) => Drop?.Invoke(to) == true || inner.Send(to, batch);

    public bool Send(Endpoint to, ReadOnlySpan<byte> datagram) => Drop?.Invoke(to) == true || inner.Send(to, datagram);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
