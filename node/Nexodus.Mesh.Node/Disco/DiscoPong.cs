using System.Net;

namespace Nexodus.Mesh.Node.Disco;

/// <summary>Answer to a ping on the same path, telling the pinger where its ping came from (its reflexive address on that path).</summary>
internal sealed record DiscoPong(DiscoTxId TxId, IPEndPoint Observed) : DiscoMessage
{
    public override DiscoMessageType Type => DiscoMessageType.Pong;

    public override int Length => HeaderSize + DiscoTxId.Size + DiscoAddress.Size;

    public override int Write(Span<byte> destination)
    {
        WriteHeader(destination);
        TxId.Write(destination[HeaderSize..]);
        DiscoAddress.Write(Observed, destination[(HeaderSize + DiscoTxId.Size)..]);
        return Length;
    }
}
