using System.Collections.Concurrent;
using Nexodus.Mesh.Core.Net;

namespace Nexodus.Mesh.TestDoubles.WireGuard;

/// <summary>
/// In-memory <see cref="IBind"/> on a <see cref="ChannelNetwork"/>. Its address can be changed while running
/// (<see cref="MoveTo"/>) to simulate roaming.
/// </summary>
public sealed class ChannelBind : IBind
{
    private readonly ChannelNetwork _network;
    private BlockingCollection<(UdpEndpoint From, byte[] Data)> _inbox = new();
    private volatile UdpEndpoint _local;
    private volatile bool _open;

    internal ChannelBind(ChannelNetwork network, UdpEndpoint local)
    {
        _network = network;
        _local = local;
    }

    public UdpEndpoint LocalEndpoint => _local;

    public int BatchSize => 8;

    public int ReceiverCount => 1;

    public ushort Port => _open ? (ushort)_local.Address.Port : (ushort)0;

    public ushort Open(ushort port)
    {
        if (port != 0 && port != _local.Address.Port)
        {
            _local = new UdpEndpoint(new System.Net.IPEndPoint(_local.Address.Address, port));
        }

        _inbox = new BlockingCollection<(UdpEndpoint, byte[])>();
        _network.Register(_local, this);
        _open = true;
        return (ushort)_local.Address.Port;
    }

    /// <summary>Changes this bind's address (as a NAT rebinding or a network change would).</summary>
    public void MoveTo(string address)
    {
        _network.Unregister(_local, this);
        _local = UdpEndpoint.Parse(address);
        _network.Register(_local, this);
    }

    public void Close()
    {
        _open = false;
        _network.Unregister(_local, this);
        _inbox.CompleteAdding();
    }

    /// <summary>Puts a datagram in this bind's receive queue as if it arrived from <paramref name="from"/>.</summary>
    public void Inject(UdpEndpoint from, byte[] data)
    {
        try
        {
            _inbox.Add((from, data));
        }
        catch (InvalidOperationException)
        {
            // closed: datagram lost
        }
    }

    public int Receive(int receiver, PacketBatch batch, int headroom)
    {
        var inbox = _inbox;
        var n = 0;
        try
        {
            if (!inbox.TryTake(out var first, Timeout.Infinite))
            {
                return 0;
            }

            Fill(batch, n++, first, headroom);
            while (n < batch.Capacity && inbox.TryTake(out var next))
            {
                Fill(batch, n++, next, headroom);
            }
        }
        catch (InvalidOperationException)
        {
            // completed while waiting
        }

        batch.Count = n;
        return n;
    }

    private static void Fill(PacketBatch batch, int i, (UdpEndpoint From, byte[] Data) item, int headroom)
    {
        item.Data.CopyTo(batch.Buffers[i], headroom);
        batch.Offsets[i] = headroom;
        batch.Lengths[i] = item.Data.Length;
        batch.Endpoints[i] = item.From;
    }

    public bool Send(Endpoint to, PacketBatch batch)
    {
        for (var i = 0; i < batch.Count; i++)
        {
            Send(to, batch.Packet(i));
        }

        return true;
    }

    public bool Send(Endpoint to, ReadOnlySpan<byte> datagram) => _open && _network.Deliver(_local, to, datagram.ToArray());

    public ValueTask DisposeAsync()
    {
        Close();
        return ValueTask.CompletedTask;
    }
}
