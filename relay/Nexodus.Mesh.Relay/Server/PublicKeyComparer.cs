using System.Runtime.InteropServices;
using Nexodus.Mesh.Core.Keys;

namespace Nexodus.Mesh.Relay.Server;

/// <summary>
/// Lets the peer table be searched with the 32 key bytes straight from a frame (no allocation per packet). The
/// hash is seeded per process (HashCode), so nobody can precompute keys that collide in our table.
/// </summary>
internal sealed class PublicKeyComparer : IEqualityComparer<PublicKey>, IAlternateEqualityComparer<ReadOnlySpan<byte>, PublicKey>
{
    public static readonly PublicKeyComparer Instance = new();

    public bool Equals(PublicKey x, PublicKey y) => x.Span.SequenceEqual(y.Span);

    public int GetHashCode(PublicKey obj) => Hash(obj.Span);

    public bool Equals(ReadOnlySpan<byte> alternate, PublicKey other) => alternate.SequenceEqual(other.Span);

    public int GetHashCode(ReadOnlySpan<byte> alternate) => Hash(alternate);

    public PublicKey Create(ReadOnlySpan<byte> alternate) => PublicKey.FromBytes(alternate);

    private static int Hash(ReadOnlySpan<byte> key)
    {
        if (key.Length != PublicKey.Size)
        {
            return 0;
        }

        var words = MemoryMarshal.Cast<byte, ulong>(key);
        return HashCode.Combine(words[0], words[1], words[2], words[3]);
    }
}
