using Nexodus.Mesh.Control.Identity;
using Nexodus.Mesh.Control.Storage;

namespace Nexodus.Mesh.Control.Api;

internal static class Audit
{
    /// <summary>Adds an audit row to the pending unit of work, so it commits atomically with the change it records.</summary>
    public static void Record(ControlDbContext db, CurrentPrincipal who, TimeProvider time, Guid organizationId, string action, string target, string details = "") =>
        db.AuditEvents.Add(new AuditEvent
        {
            OrganizationId = organizationId,
            ActorUserId = who.UserId,
            ActorDeviceId = who.DeviceId,
            Action = action,
            Target = target,
            Details = details.Length > 4000 ? details[..4000] : details,
            Timestamp = time.GetUtcNow(),
        });
}
