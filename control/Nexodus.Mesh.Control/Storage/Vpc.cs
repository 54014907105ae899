namespace Nexodus.Mesh.Control.Storage;

internal sealed class Vpc
{
    public Guid Id { get; set; }

    public Guid OrganizationId { get; set; }

    public required string Name { get; set; }

    public string Description { get; set; } = "";

    /// <summary>IPv4 range devices get addresses from, e.g. 100.64.0.0/10.</summary>
    public required string Ipv4Cidr { get; set; }

    /// <summary>Unique local IPv6 /64 (fd00::/8 random global id) assigned at creation.</summary>
    public required string Ipv6Cidr { get; set; }

    public required string DnsDomain { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
