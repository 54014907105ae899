using System.Security.Cryptography;

namespace Nexodus.Mesh.Node.WireGuard;

/// <summary>
/// Maps the random 32-bit receiver indices we hand out to the handshake or keypair they belong to, so an
/// incoming response or transport message finds its session in O(1) without revealing the peer's identity.
/// </summary>
internal sealed class IndexTable
{
    private readonly Lock _sync = new();
    private readonly Dictionary<uint, Entry> _table = [];

    internal readonly record struct Entry(Peer Peer, Keypair? Keypair);

    public uint NewIndexForHandshake(Peer peer)
    {
        lock (_sync)
        {
            while (true)
            {
                var index = (uint)RandomNumberGenerator.GetInt32(int.MinValue, int.MaxValue);
                if (_table.TryAdd(index, new Entry(peer, null)))
                {
                    return index;
                }
            }
        }
    }

    /// <summary>Turns a handshake's index into its keypair's index once the session is derived.</summary>
    public void SwapToKeypair(uint index, Keypair keypair)
    {
        lock (_sync)
        {
            if (_table.TryGetValue(index, out var entry))
            {
                _table[index] = entry with { Keypair = keypair };
            }
        }
    }

    public void Delete(uint index)
    {
        lock (_sync)
        {
            _table.Remove(index);
        }
    }

    public bool TryLookup(uint index, out Entry entry)
    {
        lock (_sync)
        {
            return _table.TryGetValue(index, out entry);
        }
    }

    public int Count
    {
        get
        {
            lock (_sync)
            {
                return _table.Count;
            }
        }
    }
}
