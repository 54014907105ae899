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

    /// <summary>The relay's static Curve25519 public key (base64, 44 chars); nodes refuse a relay presenting another.</summary>
    public string PublicKey { get; set; } = "";

    /// <summary>Uppercase hex SHA-256 of the relay's TLS certificate (64 chars); null = validate with the system CA store.</summary>
    public string? CertificateSha256 { get; set; }
}
