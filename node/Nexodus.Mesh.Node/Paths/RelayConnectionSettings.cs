using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.Relay.Client;
using Nexodus.Mesh.Relay.Transport;

namespace Nexodus.Mesh.Node.Paths;

/// <summary>What a relay connection is made from: the region's chosen node from the relay map, our identity, and where packets go.</summary>
internal sealed record RelayConnectionSettings(
    int RegionId,
    string Code,
    Uri Url,
    PublicKey? ServerKey,
    TlsTrust Trust,
    PrivateKey NodeKey,
    Func<CancellationToken, ValueTask<string>> TokenProvider,
    RelayPacketHandler OnPacket,
    Action OnConnected)
{
    /// <summary>The relay says a peer sharing our VPC just connected to it (packets to it are delivered from now on).</summary>
    public Action<PublicKey>? OnPeerPresent { get; init; }
}
