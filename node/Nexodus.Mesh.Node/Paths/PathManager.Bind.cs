using Nexodus.Mesh.Core.Net;
using Nexodus.Mesh.Node.Disco;
using Nexodus.Mesh.Relay.Protocol;
using Nexodus.Mesh.Stun.Codec;

namespace Nexodus.Mesh.Node.Paths;

/// <summary>
/// The <see cref="IBind"/> face: receivers [0, n) are the UDP bind's (disco and STUN claimed here, sources of
/// proven paths reported as the peer's <see cref="PeerEndpoint"/>); receiver n delivers relay packets.
/// </summary>
internal sealed partial class PathManager
{
    private readonly RelayInbox _relayInbox;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<UdpEndpoint, PeerPath> _directIndex = new();
    private readonly Dictionary<PeerPath, UdpEndpoint> _indexed = [];
    private readonly Lock _indexSync = new();

    public int BatchSize => _udp.BatchSize;

    public int ReceiverCount => _udp.ReceiverCount + 1;

    public ushort Port => _udp.Port;

    public ushort Open(ushort port)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var bound = _udp.Open(port);
        _relayInbox.Reopen();
        StartTicker();
        TriggerDiscovery();
        return bound;
    }

    public void Close()
    {
        _udp.Close();
        _relayInbox.Close();
    }

    public int Receive(int receiver, PacketBatch batch, int headroom)
    {
        if (receiver >= _udp.ReceiverCount)
        {
            return _relayInbox.Take(batch, headroom);
        }

        while (true)
        {
            var n = _udp.Receive(receiver, batch, headroom);
            if (n == 0)
            {
                return 0;
            }

            var kept = 0;
            for (var i = 0; i < n; i++)
            {
                if (batch.Endpoints[i] is UdpEndpoint from)
                {
                    var datagram = batch.Buffers[i].AsSpan(batch.Offsets[i], batch.Lengths[i]);
                    if (TryClaim(from, datagram))
                    {
                        continue;
                    }

                    batch.Endpoints[i] = MapSource(from);
                }

                if (kept != i)
                {
                    // Swap, not copy: the batch's buffers are interchangeable and the claimed one is reused next time.
                    (batch.Buffers[kept], batch.Buffers[i]) = (batch.Buffers[i], batch.Buffers[kept]);
                    batch.Offsets[kept] = batch.Offsets[i];
                    batch.Lengths[kept] = batch.Lengths[i];
                    batch.Endpoints[kept] = batch.Endpoints[i];
                }

                kept++;
            }

            if (kept > 0)
            {
                batch.Count = kept;
                return kept;
            }

            // Everything was disco/STUN: receive again rather than return 0, which means "closed".
        }
    }

    /// <summary>Disco and STUN answers are ours; everything else goes to WireGuard.</summary>
    private bool TryClaim(UdpEndpoint from, ReadOnlySpan<byte> datagram)
    {
        if (DiscoPacket.LooksLikeDisco(datagram))
        {
            HandleDisco(from, datagram);
            return true;
        }

        if (StunMessageReader.LooksLikeStun(datagram) && _stun.TryHandle(datagram, from.Address))
        {
            Counters.StunClaim();
            return true;
        }

        return false;
    }

    /// <summary>A datagram from a peer's direct path is that peer's: reported with its <see cref="PeerEndpoint"/>.</summary>
    private Endpoint MapSource(UdpEndpoint from) => _directIndex.TryGetValue(from, out var path) ? path.Endpoint : from;

    /// <summary>Keeps the source → peer index in step with the peers' direct paths.</summary>
    private void Reindex(PeerPath path, bool removed = false)
    {
        lock (_indexSync)
        {
            if (_indexed.Remove(path, out var old))
            {
                _directIndex.TryRemove(new KeyValuePair<UdpEndpoint, PeerPath>(old, path));
            }

            if (!removed && path.Direct is { } direct)
            {
                _directIndex[direct] = path;
                _indexed[path] = direct;
            }
        }
    }

    public bool Send(Endpoint to, PacketBatch batch)
    {
        if (to is not PeerEndpoint peer)
        {
            return _udp.Send(to, batch);
        }

        var path = peer.Path;
        if (path.Direct is { } direct)
        {
            return _udp.Send(direct, batch);
        }

        var relay = RelayFor(path);
        if (relay is null)
        {
            Counters.NoPathDrop(batch.Count);
            return false;
        }

        var sent = 0;
        for (var i = 0; i < batch.Count; i++)
        {
            if (relay.Send(path.NodeKey, batch.Packet(i), PacketKind.Data))
            {
                sent++;
            }
        }

        Counters.RelaySent(sent);
        if (sent < batch.Count)
        {
            Counters.RelayDrop(batch.Count - sent);
        }

        return sent == batch.Count;
    }

    public bool Send(Endpoint to, ReadOnlySpan<byte> datagram)
    {
        if (to is not PeerEndpoint peer)
        {
            return _udp.Send(to, datagram);
        }

        var path = peer.Path;
        if (path.Direct is { } direct)
        {
            return _udp.Send(direct, datagram);
        }

        var relay = RelayFor(path);
        if (relay is null)
        {
            Counters.NoPathDrop(1);
            return false;
        }

        if (relay.Send(path.NodeKey, datagram, PacketKind.Data))
        {
            Counters.RelaySent(1);
            return true;
        }

        Counters.RelayDrop();
        return false;
    }

    /// <summary>Relay client callback (its read loop): disco is handled here, data queued for the engine.</summary>
    private void OnRelayPacket(Nexodus.Mesh.Core.Keys.PublicKey source, ReadOnlySpan<byte> packet, PacketKind kind)
    {
        if (!_paths.TryGetValue(source, out var path))
        {
            Counters.RelayDrop();
            return;
        }

        if (kind == PacketKind.Disco)
        {
            HandleRelayDisco(path, packet);
            return;
        }

        Counters.RelayReceived();
        if (!_relayInbox.TryAdd(packet, path.Endpoint))
        {
            Counters.RelayDrop();
        }
    }
}
