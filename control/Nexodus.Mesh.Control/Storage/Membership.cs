namespace Nexodus.Mesh.Control.Storage;

internal sealed class Membership
{
    public Guid OrganizationId { get; set; }

    public Guid UserId { get; set; }

    public Role Role { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
