using System.Security.Cryptography;
using Nexodus.Mesh.Core.Keys;

namespace Nexodus.Mesh.Node.WireGuard;

/// <summary>Per-peer Noise IKpsk2 state between the first handshake message and the derived keypair. Guarded by the peer's lock.</summary>
internal sealed class Handshake
{
    public HandshakeState State;
    public readonly byte[] Hash = new byte[Protocol.HashSize];
    public readonly byte[] ChainKey = new byte[Protocol.HashSize];
    public readonly byte[] PresharedKey = new byte[Protocol.KeySize];
    public readonly byte[] PrecomputedStaticStatic = new byte[Protocol.KeySize];
    public bool StaticStaticValid;
    public readonly byte[] RemoteEphemeral = new byte[Protocol.KeySize];
    public readonly byte[] LatestTimestamp = new byte[Protocol.TimestampSize];
    public PrivateKey? LocalEphemeral;
    public uint LocalIndex;
    public uint RemoteIndex;
    public DateTimeOffset LastInitiationConsumed = DateTimeOffset.MinValue;
    public DateTimeOffset LastSentHandshake = DateTimeOffset.MinValue;

    public Handshake(PublicKey remoteStatic) => RemoteStatic = remoteStatic;

    public PublicKey RemoteStatic { get; }

    public void Clear()
    {
        State = HandshakeState.Zeroed;
        CryptographicOperations.ZeroMemory(Hash);
        CryptographicOperations.ZeroMemory(ChainKey);
        CryptographicOperations.ZeroMemory(RemoteEphemeral);
        LocalEphemeral?.Dispose();
        LocalEphemeral = null;
        LocalIndex = 0;
        RemoteIndex = 0;
    }
}
