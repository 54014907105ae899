using System.Net;
using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.Core.Net;
using Nexodus.Mesh.Node.Disco;
using Nexodus.Mesh.Relay.Protocol;

namespace Nexodus.Mesh.Node.Paths;

/// <summary>
/// Disco in and out. Every received disco datagram is untrusted until its box opens with the disco key control
/// gave us for that peer; anything else is dropped with a counter and changes no state.
/// </summary>
internal sealed partial class PathManager
{
    private volatile IReadOnlyList<IPEndPoint> _ownEndpoints = [];
    private volatile HashSet<UdpEndpoint> _ownEndpointSet = [];

    internal bool IsOwnEndpoint(UdpEndpoint endpoint) => _ownEndpointSet.Contains(endpoint);

    /// <summary>A disco datagram on the UDP socket (receive thread).</summary>
    private void HandleDisco(UdpEndpoint from, ReadOnlySpan<byte> datagram)
    {
        if (!DiscoPacket.TryReadSender(datagram, out var sender))
        {
            Drop(DiscoDropReason.Malformed, from);
            return;
        }

        if (!_byDisco.TryGetValue(sender, out var path))
        {
            Drop(DiscoDropReason.UnknownSender, from);
            return;
        }

        if (!DiscoPacket.TryOpen(_discoKey, sender, datagram, out var message))
        {
            Drop(DiscoDropReason.BadSeal, from);
            return;
        }

        var now = _time.GetUtcNow();
        switch (message)
        {
            case DiscoPing ping:
                Counters.PingReceived();
                if (ping.NodeKey != path.NodeKey)
                {
                    Drop(DiscoDropReason.KeyMismatch, from);
                    return;
                }

                path.OnPing(from, ping.TxId, now);
                return;
            case DiscoPong pong:
                Counters.PongReceived();
                if (!path.OnPong(from, pong.TxId, now))
                {
                    Drop(DiscoDropReason.UnknownTxId, from);
                }

                return;
            case DiscoCallMeMaybe cmm:
                Counters.CallMeMaybeReceivedOne();
                path.OnCallMeMaybe(cmm.Endpoints, now);
                return;
            default:
                Drop(DiscoDropReason.Unexpected, from);
                return;
        }
    }

    /// <summary>A disco datagram through the relay: the relay proved the source node key; the box proves the disco key.</summary>
    private void HandleRelayDisco(PeerPath path, ReadOnlySpan<byte> packet)
    {
        if (!DiscoPacket.TryReadSender(packet, out var sender))
        {
            Drop(DiscoDropReason.Malformed, null);
            return;
        }

        if (path.DiscoKey is not { } expected || expected != sender)
        {
            Drop(DiscoDropReason.UnknownSender, null);
            return;
        }

        if (!DiscoPacket.TryOpen(_discoKey, sender, packet, out var message))
        {
            Drop(DiscoDropReason.BadSeal, null);
            return;
        }

        if (message is DiscoCallMeMaybe cmm)
        {
            Counters.CallMeMaybeReceivedOne();
            path.OnCallMeMaybe(cmm.Endpoints, _time.GetUtcNow());
            return;
        }

        // Pings and pongs prove UDP paths; through the relay they would prove nothing.
        Drop(DiscoDropReason.Unexpected, null);
    }

    private void Drop(DiscoDropReason reason, UdpEndpoint? from)
    {
        Counters.Dropped(reason);
        Log.DiscoDropped(_logger, from?.ToString() ?? "relay", reason.ToString());
    }

    internal void SendPing(PeerPath path, PublicKey discoKey, UdpEndpoint to, DiscoTxId tx)
    {
        var datagram = DiscoPacket.Seal(_discoKey, discoKey, new DiscoPing(tx, NodePublicKey));
        if (_udp.Send(to, datagram))
        {
            Counters.PingSent();
        }
    }

    internal void SendPong(PeerPath path, PublicKey discoKey, UdpEndpoint to, DiscoTxId tx)
    {
        var datagram = DiscoPacket.Seal(_discoKey, discoKey, new DiscoPong(tx, to.Address));
        if (_udp.Send(to, datagram))
        {
            Counters.PongSent();
        }
    }

    /// <summary>Our endpoints to the peer through its relay (nothing to send before discovery found any).</summary>
    internal void SendCallMeMaybe(PeerPath path, PublicKey discoKey)
    {
        var own = _ownEndpoints;
        if (own.Count == 0 || RelayFor(path) is not { } relay)
        {
            return;
        }

        var datagram = DiscoPacket.Seal(_discoKey, discoKey, new DiscoCallMeMaybe(own));
        if (relay.Send(path.NodeKey, datagram, PacketKind.Disco))
        {
            Counters.CallMeMaybeSentOne();
        }
    }

    /// <summary>Sets the endpoints call-me-maybe advertises (discovery, or a test).</summary>
    internal void SetOwnEndpoints(IReadOnlyList<IPEndPoint> endpoints)
    {
        _ownEndpoints = endpoints;
        var set = new HashSet<UdpEndpoint>();
        foreach (var ep in endpoints)
        {
            set.Add(new UdpEndpoint(ep));
        }

        _ownEndpointSet = set;
    }
}
