using Nexodus.Mesh.Core.Keys;

namespace Nexodus.Mesh.Node.WireGuard;

/// <summary>A parsed wg-quick style file: [Interface] plus [Peer] sections.</summary>
internal sealed class TunnelConfig
{
    public PrivateKey? PrivateKey { get; set; }

    public ushort? ListenPort { get; set; }

    /// <summary>Interface addresses as written (host bits kept: 10.0.0.1/24).</summary>
    public List<string> Addresses { get; } = [];

    public int? Mtu { get; set; }

    public List<PeerConfig> Peers { get; } = [];
}
