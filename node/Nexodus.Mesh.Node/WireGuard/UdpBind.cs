using System.Net;
using System.Net.Sockets;
using Nexodus.Mesh.Core.Net;

namespace Nexodus.Mesh.Node.WireGuard;

/// <summary>
/// The real <see cref="IBind"/>: one UDP socket per address family on the same port (v6 socket is v6-only), a
/// blocking receive per socket on its own thread. Endpoints of consecutive datagrams from the same address
/// are reused, so a steady flow allocates nothing per packet.
/// </summary>
internal sealed class UdpBind : IBind
{
    private readonly Lock _sync = new();
    private Socket? _v4;
    private Socket? _v6;
    private readonly UdpEndpoint?[] _last = new UdpEndpoint?[2];
    private readonly SocketAddress _recv4 = new(AddressFamily.InterNetwork);
    private readonly SocketAddress _recv6 = new(AddressFamily.InterNetworkV6);

    public int BatchSize => 1;

    public int ReceiverCount => 2;

    public ushort Port { get; private set; }

    public ushort Open(ushort port)
    {
        lock (_sync)
        {
            CloseLocked();
            var v4 = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            v4.ReceiveBufferSize = 4 << 20;
            v4.SendBufferSize = 4 << 20;
            v4.Bind(new IPEndPoint(IPAddress.Any, port));
            var bound = (ushort)((IPEndPoint)v4.LocalEndPoint!).Port;
            Socket? v6 = null;
            try
            {
                v6 = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp) { DualMode = false };
                v6.ReceiveBufferSize = 4 << 20;
                v6.SendBufferSize = 4 << 20;
                v6.Bind(new IPEndPoint(IPAddress.IPv6Any, bound));
            }
            catch (SocketException)
            {
                // No IPv6 here (or the port is taken for v6): run v4 only.
                v6?.Dispose();
                v6 = null;
            }

            _v4 = v4;
            _v6 = v6;
            Port = bound;
            return bound;
        }
    }

    public void Close()
    {
        lock (_sync)
        {
            CloseLocked();
        }
    }

    private void CloseLocked()
    {
        _v4?.Dispose();
        _v6?.Dispose();
        _v4 = null;
        _v6 = null;
        Port = 0;
    }

    public int Receive(int receiver, PacketBatch batch, int headroom)
    {
        var socket = receiver == 0 ? _v4 : _v6;
        if (socket is null)
        {
            return 0;
        }

        var address = receiver == 0 ? _recv4 : _recv6;
        while (true)
        {
            int n;
            try
            {
                n = socket.ReceiveFrom(batch.Buffers[0].AsSpan(headroom), SocketFlags.None, address);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionRefused or SocketError.MessageSize)
            {
                continue; // ICMP errors and oversized datagrams are not fatal for a datagram socket
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return 0;
            }

            var last = _last[receiver];
            if (last is null || !last.SocketAddress.Equals(address))
            {
                last = new UdpEndpoint((IPEndPoint)new IPEndPoint(receiver == 0 ? IPAddress.Any : IPAddress.IPv6Any, 0).Create(address));
                _last[receiver] = last;
            }

            batch.Offsets[0] = headroom;
            batch.Lengths[0] = n;
            batch.Endpoints[0] = last;
            batch.Count = 1;
            return 1;
        }
    }

    public bool Send(Endpoint to, PacketBatch batch)
    {
        var ok = true;
        for (var i = 0; i < batch.Count; i++)
        {
            ok &= Send(to, batch.Packet(i));
        }

        return ok;
    }

    public bool Send(Endpoint to, ReadOnlySpan<byte> datagram)
    {
        if (to is not UdpEndpoint u)
        {
            return false; // pseudo-endpoints (relay) are routed by a composing bind, not by the socket
        }

        var socket = u.Family == AddressFamily.InterNetwork ? _v4 : _v6;
        if (socket is null)
        {
            return false;
        }

        try
        {
            socket.SendTo(datagram, SocketFlags.None, u.SocketAddress);
            return true;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }

    public ValueTask DisposeAsync()
    {
        Close();
        return ValueTask.CompletedTask;
    }
}
