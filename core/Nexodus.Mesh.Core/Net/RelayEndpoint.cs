using System.Text;

namespace Nexodus.Mesh.Core.Net;

/// <summary>
/// Pseudo-endpoint "via relay": datagrams to it are handed to the relay client instead of a socket.
/// <see cref="Relay"/> names the relay (region or URL) the agent uses to reach the peer.
/// </summary>
public sealed class RelayEndpoint(string relay) : Endpoint
{
    private readonly byte[] _source = Encoding.UTF8.GetBytes("relay:" + relay);

    public string Relay { get; } = relay;

    public override ReadOnlySpan<byte> SourceBytes => _source;

    public override ReadOnlySpan<byte> CookieBytes => _source;

    public override bool Equals(Endpoint? other) => other is RelayEndpoint r && r.Relay == Relay;

    public override int GetHashCode() => Relay.GetHashCode(StringComparison.Ordinal);

    public override string ToString() => "relay:" + Relay;
}
