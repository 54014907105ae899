using Microsoft.EntityFrameworkCore;
using Nexodus.Mesh.Control.Identity;
using Nexodus.Mesh.Control.Storage;

namespace Nexodus.Mesh.Control.Api;

internal static class AuditApi
{
    public static void MapAuditApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/audit-events").RequireUser().WithTags("Audit").MapGet("/", async (Guid? organizationId, int? limit, CurrentPrincipal who, ControlDbContext db, CancellationToken ct) =>
        {
            if (organizationId is null)
            {
                return ValidationErrors.Single("organizationId", "is required");
            }

            if (limit is < 1 or > 1000)
            {
                return ValidationErrors.Single("limit", "must be 1-1000");
            }

            if (!await db.Organizations.AnyAsync(o => o.Id == organizationId, ct))
            {
                return ApiResults.NotFound("organization");
            }

            if (!who.HasRole(organizationId.Value, Role.Admin))
            {
                return ApiResults.Forbidden("the audit log needs the admin or owner role");
            }

            return Results.Ok(await db.AuditEvents.AsNoTracking().Where(e => e.OrganizationId == organizationId)
                .OrderByDescending(e => e.Id).Take(limit ?? 100).ToListAsync(ct));
        }).Produces<List<AuditEvent>>();
    }
}
