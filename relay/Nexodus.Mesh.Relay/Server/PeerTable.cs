using System.Collections.Concurrent;
using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.Relay.Mesh;
using Nexodus.Mesh.Relay.Protocol;

namespace Nexodus.Mesh.Relay.Server;

/// <summary>
/// Who is where: clients connected here, keys announced by the region's other relays, and the inbound mesh
/// sessions that want to hear about our clients. Local always wins over remote for the same key.
/// </summary>
internal sealed class PeerTable
{
    private readonly ConcurrentDictionary<PublicKey, ClientSession> _local = new(PublicKeyComparer.Instance);
    private readonly ConcurrentDictionary<PublicKey, RemotePeer> _remote = new(PublicKeyComparer.Instance);
    private readonly ConcurrentDictionary<PublicKey, ClientSession>.AlternateLookup<ReadOnlySpan<byte>> _localBySpan;
    private readonly ConcurrentDictionary<PublicKey, RemotePeer>.AlternateLookup<ReadOnlySpan<byte>> _remoteBySpan;
    private readonly ConcurrentDictionary<MeshSession, byte> _watchers = new();

    public PeerTable()
    {
        _localBySpan = _local.GetAlternateLookup<ReadOnlySpan<byte>>();
        _remoteBySpan = _remote.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    public int LocalCount => _local.Count;

    public int RemoteCount => _remote.Count;

    public ICollection<ClientSession> LocalSessions => _local.Values;

    public bool TryFind(ReadOnlySpan<byte> key, out PeerRoute route)
    {
        if (_localBySpan.TryGetValue(key, out var local))
        {
            route = local;
            return true;
        }

        if (_remoteBySpan.TryGetValue(key, out var remote))
        {
            route = remote;
            return true;
        }

        route = null!;
        return false;
    }

    public bool TryFindLocal(ReadOnlySpan<byte> key, out ClientSession session) => _localBySpan.TryGetValue(key, out session!);

    public bool TryFindRemote(ReadOnlySpan<byte> key, out RemotePeer peer) => _remoteBySpan.TryGetValue(key, out peer!);

    public bool IsLocal(PublicKey key) => _local.ContainsKey(key);

    /// <summary>Adds a session; returns the one it replaced (a second connection for the same key wins).</summary>
    public ClientSession? Register(ClientSession session)
    {
        ClientSession? old = null;
        _local.AddOrUpdate(session.Key, session, (_, existing) =>
        {
            old = existing;
            return session;
        });
        AnnounceToMesh(session);
        NotifyPresent(session);
        return old;
    }

    /// <summary>Removes the session if it is still the registered one; true when the key left this relay.</summary>
    public bool Unregister(ClientSession session)
    {
        if (!_local.TryRemove(new KeyValuePair<PublicKey, ClientSession>(session.Key, session)))
        {
            return false;
        }

        var gone = new KeyFrame(session.Key).Encode(FrameType.MeshPeerGone);
        foreach (var watcher in _watchers.Keys)
        {
            watcher.Sender.EnqueueControl(gone);
        }

        NotifyGone(session);
        return true;
    }

    /// <summary>Re-announces a session whose VPCs changed (token refresh).</summary>
    public void AnnounceToMesh(ClientSession session)
    {
        var present = new MeshPeerPresentFrame(session.Key, session.Vpcs).Encode();
        foreach (var watcher in _watchers.Keys)
        {
            watcher.Sender.EnqueueControl(present);
        }
    }

    public void AddWatcher(MeshSession watcher)
    {
        _watchers.TryAdd(watcher, 0);
        foreach (var session in _local.Values)
        {
            watcher.Sender.EnqueueControl(new MeshPeerPresentFrame(session.Key, session.Vpcs).Encode());
        }
    }

    public void RemoveWatcher(MeshSession watcher) => _watchers.TryRemove(watcher, out _);

    public void AddRemote(RemotePeer peer)
    {
        _remote[peer.Key] = peer;
        if (!_local.ContainsKey(peer.Key))
        {
            NotifyPresent(peer);
        }
    }

    public void RemoveRemote(PublicKey key, MeshLink link)
    {
        if (_remote.TryGetValue(key, out var peer) && peer.Link == link && _remote.TryRemove(new KeyValuePair<PublicKey, RemotePeer>(key, peer)))
        {
            NotifyGone(peer);
        }
    }

    public void RemoveAllRemote(MeshLink link)
    {
        foreach (var (key, peer) in _remote)
        {
            if (peer.Link == link)
            {
                RemoveRemote(key, link);
            }
        }
    }

    /// <summary>Tells local clients that share a VPC with <paramref name="route"/> that it is reachable now.</summary>
    private void NotifyPresent(PeerRoute route)
    {
        byte[]? frame = null;
        foreach (var session in _local.Values)
        {
            if (session != route && !session.Key.Span.SequenceEqual(route.Key.Span) && route.SharesVpcWith(session.Vpcs))
            {
                frame ??= new KeyFrame(route.Key).Encode(FrameType.PeerPresent);
                session.Sender.EnqueueControl(frame);
            }
        }
    }

    /// <summary>Tells the local clients that sent to <paramref name="route"/> that it is gone.</summary>
    private void NotifyGone(PeerRoute route)
    {
        if (_local.ContainsKey(route.Key))
        {
            return;
        }

        byte[]? frame = null;
        foreach (var sender in route.Senders)
        {
            if (_local.TryGetValue(sender, out var session))
            {
                frame ??= PeerGoneFrame.Encode(route.Key.Span, PeerGoneReason.Disconnected);
                session.Sender.EnqueueControl(frame);
            }
        }
    }
}
