using System.Collections.Concurrent;
using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.Relay.Protocol;

namespace Nexodus.Mesh.Relay.Server;

/// <summary>
/// Somewhere a node key can be reached: a client connected here (<see cref="ClientSession"/>) or one connected to
/// another relay of the region (<see cref="Mesh.RemotePeer"/>). Remembers who sent to it, so they can be told
/// when it leaves.
/// </summary>
internal abstract class PeerRoute
{
    private const int MaxSenders = 4096;
    private readonly ConcurrentDictionary<PublicKey, byte> _senders = new(PublicKeyComparer.Instance);

    protected PeerRoute(PublicKey key) => Key = key;

    public PublicKey Key { get; }

    public abstract Guid[] Vpcs { get; }

    public ICollection<PublicKey> Senders => _senders.Keys;

    public void NoteSender(PublicKey sender)
    {
        if (_senders.Count < MaxSenders)
        {
            _senders.TryAdd(sender, 0);
        }
    }

    public bool SharesVpcWith(Guid[] other)
    {
        var mine = Vpcs;
        foreach (var a in mine)
        {
            foreach (var b in other)
            {
                if (a == b)
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Queues one packet for this peer; false when it was dropped.</summary>
    public abstract bool Deliver(ReadOnlySpan<byte> sourceKey, PacketKind kind, ReadOnlySpan<byte> packet);
}
