using Nexodus.Mesh.Core.Keys;

namespace Nexodus.Mesh.Node.WireGuard;

/// <summary>The device's static key pair plus the hash every initiation to us starts from. Immutable; swapped whole.</summary>
internal sealed class StaticIdentity
{
    public StaticIdentity(PrivateKey privateKey)
    {
        PrivateKey = privateKey;
        PublicKey = privateKey.PublicKey;
        Blake2s.Hash(NoiseConstants.InitialHash, PublicKey.Span, InitialHashForUs);
    }

    public PrivateKey PrivateKey { get; }

    public PublicKey PublicKey { get; }

    /// <summary>HASH(InitialHash || our public key): the responder's starting hash.</summary>
    public byte[] InitialHashForUs { get; } = new byte[Protocol.HashSize];
}
