using Nexodus.Mesh.Core.Keys;

namespace Nexodus.Mesh.Node.Disco;

/// <summary>"Are you there on this path?" The node key lets the receiver check the disco key belongs to the peer it claims.</summary>
internal sealed record DiscoPing(DiscoTxId TxId, PublicKey NodeKey, int Padding = 0) : DiscoMessage
{
    public override DiscoMessageType Type => DiscoMessageType.Ping;

    public override int Length => HeaderSize + DiscoTxId.Size + PublicKey.Size + Padding;

    public override int Write(Span<byte> destination)
    {
        WriteHeader(destination);
        TxId.Write(destination[HeaderSize..]);
        NodeKey.Span.CopyTo(destination[(HeaderSize + DiscoTxId.Size)..]);
        destination.Slice(HeaderSize + DiscoTxId.Size + PublicKey.Size, Padding).Clear();
        return Length;
    }
}
