namespace Nexodus.Mesh.Core.Contracts;

public sealed record PeerInfo
{
    public Guid DeviceId { get; init; }

    public string NodeKey { get; init; } = "";

    public string DiscoKey { get; init; } = "";

    public string Hostname { get; init; } = "";

    public string Os { get; init; } = "";

    /// <summary>Tunnel addresses, IPv4 then IPv6, without prefix length.</summary>
    public IReadOnlyList<string> Addresses { get; init; } = [];

    public IReadOnlyList<string> Endpoints { get; init; } = [];

    public int? HomeRelay { get; init; }

    public string NatMapping { get; init; } = "";

    public string NatFiltering { get; init; } = "";

    public bool Online { get; init; }
}
