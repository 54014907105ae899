using System.Net;
using System.Net.Sockets;

namespace Nexodus.Mesh.Node.WireGuard;

/// <summary>
/// Cryptokey routing table: a binary trie per address family mapping prefixes to peers, longest prefix wins.
/// Outbound packets are routed by destination; inbound packets are accepted only if their source maps back to
/// the peer that sent them. Readers take a lock too: lookups are short (≤ 128 steps) and writes are rare.
/// </summary>
internal sealed class AllowedIps<T>
    where T : class
{
    private readonly Lock _sync = new();
    private Node _v4 = new();
    private Node _v6 = new();

    private sealed class Node
    {
        public Node? Zero;
        public Node? One;
        public T? Value;
    }

    public void Insert(IPNetwork prefix, T value)
    {
        Span<byte> bytes = stackalloc byte[16];
        var len = Write(prefix.BaseAddress, bytes);
        lock (_sync)
        {
            var node = len == 4 ? _v4 : _v6;
            for (var i = 0; i < prefix.PrefixLength; i++)
            {
                if (Bit(bytes, i))
                {
                    node = node.One ??= new Node();
                }
                else
                {
                    node = node.Zero ??= new Node();
                }
            }

            node.Value = value;
        }
    }

    /// <summary>Who owns exactly this prefix (for overlap checks).</summary>
    public T? Exact(IPNetwork prefix)
    {
        Span<byte> bytes = stackalloc byte[16];
        var len = Write(prefix.BaseAddress, bytes);
        lock (_sync)
        {
            Node? node = len == 4 ? _v4 : _v6;
            for (var i = 0; i < prefix.PrefixLength && node is not null; i++)
            {
                node = Bit(bytes, i) ? node.One : node.Zero;
            }

            return node?.Value;
        }
    }

    /// <summary>Longest-prefix match for a raw 4- or 16-byte address.</summary>
    public T? Lookup(ReadOnlySpan<byte> address)
    {
        lock (_sync)
        {
            Node? node = address.Length == 4 ? _v4 : _v6;
            var best = node.Value;
            var bits = address.Length * 8;
            for (var i = 0; i < bits; i++)
            {
                node = Bit(address, i) ? node.One : node.Zero;
                if (node is null)
                {
                    break;
                }

                if (node.Value is not null)
                {
                    best = node.Value;
                }
            }

            return best;
        }
    }

    public void RemoveByValue(T value)
    {
        lock (_sync)
        {
            _v4 = Prune(_v4, value) ?? new Node();
            _v6 = Prune(_v6, value) ?? new Node();
        }
    }

    public void Remove(IPNetwork prefix, T value)
    {
        Span<byte> bytes = stackalloc byte[16];
        var len = Write(prefix.BaseAddress, bytes);
        lock (_sync)
        {
            Node? node = len == 4 ? _v4 : _v6;
            for (var i = 0; i < prefix.PrefixLength && node is not null; i++)
            {
                node = Bit(bytes, i) ? node.One : node.Zero;
            }

            if (node is not null && ReferenceEquals(node.Value, value))
            {
                node.Value = null;
            }
        }
    }

    /// <summary>All prefixes owned by <paramref name="value"/>, v4 first.</summary>
    public List<IPNetwork> EntriesFor(T value)
    {
        var result = new List<IPNetwork>();
        lock (_sync)
        {
            Walk(_v4, value, new byte[4], 0, result);
            Walk(_v6, value, new byte[16], 0, result);
        }

        return result;
    }

    private static void Walk(Node node, T value, byte[] path, int depth, List<IPNetwork> result)
    {
        if (ReferenceEquals(node.Value, value))
        {
            result.Add(new IPNetwork(new IPAddress(path), depth));
        }

        if (node.Zero is not null)
        {
            Walk(node.Zero, value, path, depth + 1, result);
        }

        if (node.One is not null)
        {
            path[depth / 8] |= (byte)(0x80 >> (depth % 8));
            Walk(node.One, value, path, depth + 1, result);
            path[depth / 8] &= (byte)~(0x80 >> (depth % 8));
        }
    }

    private static Node? Prune(Node node, T value)
    {
        if (ReferenceEquals(node.Value, value))
        {
            node.Value = null;
        }

        node.Zero = node.Zero is null ? null : Prune(node.Zero, value);
        node.One = node.One is null ? null : Prune(node.One, value);
        return node.Value is null && node.Zero is null && node.One is null ? null : node;
    }

    private static bool Bit(ReadOnlySpan<byte> address, int i) => (address[i / 8] & (0x80 >> (i % 8))) != 0;

    private static int Write(IPAddress address, Span<byte> bytes)
    {
        if (!address.TryWriteBytes(bytes, out var written) || (written != 4 && written != 16))
        {
            throw new ArgumentException("not an IPv4 or IPv6 address", nameof(address));
        }

        return address.AddressFamily == AddressFamily.InterNetwork ? 4 : 16;
    }
}
