using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.Core.Net;
using Nexodus.Mesh.Node.WireGuard;

namespace Nexodus.Mesh.Node.Paths;

/// <summary>
/// The stable pseudo-endpoint of one peer: the agent gives it to <c>Peer.SetEndpoint</c> once, and the path
/// manager decides on every send whether it means a direct ip:port or the peer's home relay. Received datagrams
/// from a known path of the peer are reported with it, so the engine never sees the path change.
/// </summary>
internal sealed class PeerEndpoint : Endpoint, ISteeredEndpoint
{
    private readonly byte[] _source;

    internal PeerEndpoint(PeerPath path)
    {
        Path = path;
        _source = [.. "peer:"u8, .. path.NodeKey.Span];
    }

    public PublicKey NodeKey => Path.NodeKey;

    internal PeerPath Path { get; }

    /// <summary>The peer's key: cookies and handshake rate limits then work per peer whatever the path.</summary>
    public override ReadOnlySpan<byte> SourceBytes => _source;

    public override ReadOnlySpan<byte> CookieBytes => _source;

    public override bool Equals(Endpoint? other) => ReferenceEquals(this, other) || (other is PeerEndpoint p && p.NodeKey == NodeKey);

    public override int GetHashCode() => NodeKey.GetHashCode();

    /// <summary>The current path: "ip:port" when direct (what `wg show` expects), "relay:REGION" otherwise.</summary>
    public override string ToString() => Path.Direct is { } direct ? direct.ToString() : "relay:" + (Path.HomeRelay?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "home");
}
