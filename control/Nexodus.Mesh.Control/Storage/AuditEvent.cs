namespace Nexodus.Mesh.Control.Storage;

internal sealed class AuditEvent
{
    public long Id { get; set; }

    public Guid OrganizationId { get; set; }

    public Guid? ActorUserId { get; set; }

    public Guid? ActorDeviceId { get; set; }

    public required string Action { get; set; }

    public required string Target { get; set; }

    public string Details { get; set; } = "";

    public DateTimeOffset Timestamp { get; set; }
}
