namespace Nexodus.Mesh.Control.Storage;

internal sealed class Device
{
    public Guid Id { get; set; }

    public Guid OrganizationId { get; set; }

    public Guid VpcId { get; set; }

    /// <summary>The user who enrolled the device; null when it was enrolled with a registration key.</summary>
    public Guid? OwnerUserId { get; set; }

    public Guid? RegistrationKeyId { get; set; }

    public Guid? SecurityGroupId { get; set; }

    /// <summary>Node public key, base64 (44 chars).</summary>
    public required string NodeKey { get; set; }

    public string DiscoKey { get; set; } = "";

    public required string Hostname { get; set; }

    public string Os { get; set; } = "";

    public required string Ipv4 { get; set; }

    public required string Ipv6 { get; set; }

    public List<string> Endpoints { get; set; } = [];

    public int? HomeRelay { get; set; }

    public string NatMapping { get; set; } = "";

    public string NatFiltering { get; set; } = "";

    public bool Online { get; set; }

    public DateTimeOffset? LastSeen { get; set; }

    /// <summary>Id of the stream that last marked the device online; offline only applies if it still matches.</summary>
    public Guid? StreamSession { get; set; }

    public DateTimeOffset? KeyExpiry { get; set; }

    /// <summary>SHA-256 of the device credential (a 256-bit random secret, so a fast hash is enough).</summary>
    public required byte[] CredentialHash { get; set; }

    public Dictionary<string, string> Metadata { get; set; } = [];

    public DateTimeOffset CreatedAt { get; set; }
}
