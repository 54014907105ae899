using Microsoft.EntityFrameworkCore;
using Nexodus.Mesh.Control.Identity;
using Nexodus.Mesh.Control.Netmap;
using Nexodus.Mesh.Control.Storage;

namespace Nexodus.Mesh.Control.Api;

internal static class OrganizationsApi
{
    public sealed record OrganizationView(Guid Id, string Name, string Description, DateTimeOffset CreatedAt);

    public sealed record CreateOrganizationRequest(string? Name, string? Description);

    public sealed record UpdateOrganizationRequest(string? Name, string? Description);

    public sealed record MemberView(Guid UserId, string DisplayName, string? Email, Role Role);

    public sealed record UpdateMemberRequest(Role? Role);

    public static void MapOrganizationsApi(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/organizations").RequireUser().WithTags("Organizations");

        g.MapGet("/", async (ControlDbContext db, CancellationToken ct) =>
            (await db.Organizations.AsNoTracking().OrderBy(o => o.Name).ToListAsync(ct)).Select(View).ToList()).Produces<List<OrganizationView>>();

        g.MapPost("/", async (HttpRequest http, CurrentPrincipal who, ControlDbContext db, TimeProvider time, CancellationToken ct) =>
        {
            var (req, error) = await JsonBody.ReadAsync<CreateOrganizationRequest>(http);
            if (req is null)
            {
                return error!;
            }

            var v = new ValidationErrors();
            v.Name("name", req.Name, 100);
            v.Text("description", req.Description, 1000);
            if (v.Any)
            {
                return v.ToResult();
            }

            var org = new Organization { Id = Guid.NewGuid(), Name = req.Name!, Description = req.Description ?? "", CreatedAt = time.GetUtcNow() };
            db.Organizations.Add(org);
            db.Memberships.Add(new Membership { OrganizationId = org.Id, UserId = who.UserId!.Value, Role = Role.Owner, CreatedAt = time.GetUtcNow() });
            db.Scope.AddOrganization(org.Id);
            who.Roles[org.Id] = Role.Owner;
            // One VPC out of the box so that "create org, join device" needs no further step.
            VpcsApi.AddVpc(db, org.Id, "default", "", VpcsApi.DefaultIpv4Cidr, null, time);
            Audit.Record(db, who, time, org.Id, "organization.create", $"organization/{org.Id}", org.Name);
            await db.SaveChangesAsync(ct);
            return Results.Created($"/api/organizations/{org.Id}", View(org));
        }).Accepts<CreateOrganizationRequest>("application/json").Produces<OrganizationView>(201);

        g.MapGet("/{id:guid}", async (Guid id, ControlDbContext db, CancellationToken ct) =>
            await db.Organizations.AsNoTracking().FirstOrDefaultAsync(o => o.Id == id, ct) is { } o ? Results.Ok(View(o)) : ApiResults.NotFound("organization"))
            .Produces<OrganizationView>();

        g.MapPatch("/{id:guid}", async (Guid id, HttpRequest http, CurrentPrincipal who, ControlDbContext db, TimeProvider time, CancellationToken ct) =>
        {
            var org = await db.Organizations.FirstOrDefaultAsync(o => o.Id == id, ct);
            if (org is null)
            {
                return ApiResults.NotFound("organization");
            }

            if (!who.HasRole(id, Role.Admin))
            {
                return ApiResults.Forbidden("changing an organization needs the admin or owner role");
            }

            var (req, error) = await JsonBody.ReadAsync<UpdateOrganizationRequest>(http);
            if (req is null)
            {
                return error!;
            }

            var v = new ValidationErrors();
            v.Name("name", req.Name, 100, required: false);
            v.Text("description", req.Description, 1000);
            if (v.Any)
            {
                return v.ToResult();
            }

            org.Name = req.Name ?? org.Name;
            org.Description = req.Description ?? org.Description;
            Audit.Record(db, who, time, org.Id, "organization.update", $"organization/{org.Id}");
            await db.SaveChangesAsync(ct);
            return Results.Ok(View(org));
        }).Accepts<UpdateOrganizationRequest>("application/json").Produces<OrganizationView>();

        g.MapDelete("/{id:guid}", async (Guid id, CurrentPrincipal who, ControlDbContext db, ChangeBus bus, CancellationToken ct) =>
        {
            var org = await db.Organizations.FirstOrDefaultAsync(o => o.Id == id, ct);
            if (org is null)
            {
                return ApiResults.NotFound("organization");
            }

            if (!who.HasRole(id, Role.Owner))
            {
                return ApiResults.Forbidden("deleting an organization needs the owner role");
            }

            var vpcs = await db.Vpcs.Where(v => v.OrganizationId == id).Select(v => v.Id).ToListAsync(ct);
            db.Organizations.Remove(org);
            await db.SaveChangesAsync(ct);
            await bus.PublishAsync(db, new ChangeSignal(vpcs, false), ct);
            return Results.NoContent();
        });

        g.MapGet("/{id:guid}/members", async (Guid id, ControlDbContext db, CancellationToken ct) =>
        {
            if (!await db.Organizations.AnyAsync(o => o.Id == id, ct))
            {
                return ApiResults.NotFound("organization");
            }

            var members = await (from m in db.Memberships
                                 join u in db.Users on m.UserId equals u.Id
                                 where m.OrganizationId == id
                                 orderby u.DisplayName
                                 select new MemberView(u.Id, u.DisplayName, u.Email, m.Role)).ToListAsync(ct);
            return Results.Ok(members);
        }).Produces<List<MemberView>>();

        g.MapPatch("/{id:guid}/members/{userId:guid}", async (Guid id, Guid userId, HttpRequest http, CurrentPrincipal who, ControlDbContext db, TimeProvider time, CancellationToken ct) =>
        {
            var m = await db.Memberships.FirstOrDefaultAsync(x => x.OrganizationId == id && x.UserId == userId && db.Organizations.Any(o => o.Id == id), ct);
            if (m is null)
            {
                return ApiResults.NotFound("member");
            }

            var (req, error) = await JsonBody.ReadAsync<UpdateMemberRequest>(http);
            if (req is null)
            {
                return error!;
            }

            if (req.Role is null)
            {
                return ValidationErrors.Single("role", "is required (owner, admin or member)");
            }

            // Admins manage members; only owners can grant or take away ownership.
            var needed = req.Role == Role.Owner || m.Role == Role.Owner ? Role.Owner : Role.Admin;
            if (!who.HasRole(id, needed))
            {
                return ApiResults.Forbidden($"this change needs the {needed.ToString().ToLowerInvariant()} role");
            }

            if (m.Role == Role.Owner && req.Role != Role.Owner && await db.Memberships.CountAsync(x => x.OrganizationId == id && x.Role == Role.Owner, ct) == 1)
            {
                return ApiResults.Conflict("an organization needs at least one owner");
            }

            m.Role = req.Role.Value;
            Audit.Record(db, who, time, id, "member.update", $"user/{userId}", m.Role.ToString());
            await db.SaveChangesAsync(ct);
            return Results.NoContent();
        }).Accepts<UpdateMemberRequest>("application/json");

        g.MapDelete("/{id:guid}/members/{userId:guid}", async (Guid id, Guid userId, CurrentPrincipal who, ControlDbContext db, ChangeBus bus, TimeProvider time, CancellationToken ct) =>
        {
            var m = await db.Memberships.FirstOrDefaultAsync(x => x.OrganizationId == id && x.UserId == userId && db.Organizations.Any(o => o.Id == id), ct);
            if (m is null)
            {
                return ApiResults.NotFound("member");
            }

            var self = userId == who.UserId;
            if (!self && !who.HasRole(id, m.Role == Role.Owner ? Role.Owner : Role.Admin))
            {
                return ApiResults.Forbidden("removing a member needs the admin role (owner to remove an owner)");
            }

            if (m.Role == Role.Owner && await db.Memberships.CountAsync(x => x.OrganizationId == id && x.Role == Role.Owner, ct) == 1)
            {
                return ApiResults.Conflict("an organization needs at least one owner");
            }

            // The user's devices in this organization leave with them: they vanish from every map and their
            // credentials stop working.
            var devices = await db.Devices.Where(d => d.OrganizationId == id && d.OwnerUserId == userId).ToListAsync(ct);
            db.Devices.RemoveRange(devices);
            db.Memberships.Remove(m);
            Audit.Record(db, who, time, id, "member.remove", $"user/{userId}", $"{devices.Count} devices removed");
            await db.SaveChangesAsync(ct);
            await bus.PublishAsync(db, new ChangeSignal([.. devices.Select(d => d.VpcId).Distinct()], false), ct);
            return Results.NoContent();
        });
    }

    private static OrganizationView View(Organization o) => new(o.Id, o.Name, o.Description, o.CreatedAt);
}
