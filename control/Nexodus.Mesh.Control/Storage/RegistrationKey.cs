namespace Nexodus.Mesh.Control.Storage;

internal sealed class RegistrationKey
{
    public Guid Id { get; set; }

    public Guid OrganizationId { get; set; }

    public Guid VpcId { get; set; }

    public Guid? SecurityGroupId { get; set; }

    public string Description { get; set; } = "";

    public bool SingleUse { get; set; }

    public int UseCount { get; set; }

    public bool Revoked { get; set; }

    public DateTimeOffset? ExpiresAt { get; set; }

    /// <summary>SHA-256 of the secret; the secret itself is shown once at creation.</summary>
    public required byte[] SecretHash { get; set; }

    public Guid CreatedBy { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
