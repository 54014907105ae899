using System.Text;

namespace Nexodus.Mesh.Node.WireGuard;

/// <summary>Ci = HASH(CONSTRUCTION), Hi = HASH(Ci || IDENTIFIER): the chaining key and hash every handshake starts from.</summary>
internal static class NoiseConstants
{
    public static readonly byte[] InitialChainKey = ComputeChainKey();
    public static readonly byte[] InitialHash = ComputeHash();

    private static byte[] ComputeChainKey()
    {
        var ck = new byte[Protocol.HashSize];
        Blake2s.Hash(Encoding.ASCII.GetBytes(Protocol.Construction), ck);
        return ck;
    }

    private static byte[] ComputeHash()
    {
        var h = new byte[Protocol.HashSize];
        Blake2s.Hash(ComputeChainKey(), Encoding.ASCII.GetBytes(Protocol.Identifier), h);
        return h;
    }
}
