using System.Net;

namespace Nexodus.Mesh.Node.Disco;

/// <summary>
/// Sent via the relay: "these are my endpoints, ping me on them now". The receiver pings them at once, so both
/// sides send at nearly the same time and each side's outbound packet opens its own NAT's filter for the other.
/// </summary>
internal sealed record DiscoCallMeMaybe(IReadOnlyList<IPEndPoint> Endpoints) : DiscoMessage
{
    public override DiscoMessageType Type => DiscoMessageType.CallMeMaybe;

    public override int Length => HeaderSize + (Math.Min(Endpoints.Count, MaxEndpoints) * DiscoAddress.Size);

    public override int Write(Span<byte> destination)
    {
        WriteHeader(destination);
        var offset = HeaderSize;
        for (var i = 0; i < Endpoints.Count && i < MaxEndpoints; i++)
        {
            DiscoAddress.Write(Endpoints[i], destination[offset..]);
            offset += DiscoAddress.Size;
        }

        return offset;
    }
}
