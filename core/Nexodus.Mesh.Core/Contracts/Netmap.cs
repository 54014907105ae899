namespace Nexodus.Mesh.Core.Contracts;

/// <summary>A device's complete view: itself, the peers it may see, relays, DNS, its packet filter and relay token.</summary>
public sealed record Netmap
{
    public PeerInfo Self { get; init; } = new();

    public Guid VpcId { get; init; }

    public string Ipv4Cidr { get; init; } = "";

    public string Ipv6Cidr { get; init; } = "";

    public IReadOnlyList<PeerInfo> Peers { get; init; } = [];

    public RelayMap RelayMap { get; init; } = new();

    public DnsConfig Dns { get; init; } = new();

    public PacketFilter PacketFilter { get; init; } = new();

    public RelayAdmission RelayAdmission { get; init; } = new();
}
