namespace Nexodus.Mesh.Control.Storage;

internal sealed class RelayNode
{
    public Guid Id { get; set; }

    public int RegionId { get; set; }

    public required string Name { get; set; }

    public required string HostName { get; set; }

    public string? Ipv4 { get; set; }

    public string? Ipv6 { get; set; }

    public int RelayPort { get; set; } = 443;

    public int StunPort { get; set; } = 3478;
}
