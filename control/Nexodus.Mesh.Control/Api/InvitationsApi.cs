using Microsoft.EntityFrameworkCore;
using Nexodus.Mesh.Control.Identity;
using Nexodus.Mesh.Control.Storage;

namespace Nexodus.Mesh.Control.Api;

internal static class InvitationsApi
{
    public sealed record InvitationView(Guid Id, Guid OrganizationId, Guid? InviteeUserId, string? InviteeEmail, Role Role, InvitationStatus Status, DateTimeOffset ExpiresAt);

    public sealed record CreateInvitationRequest(Guid? UserId, string? Email, Role? Role);

    public static void MapInvitationsApi(this IEndpointRouteBuilder app)
    {
        var org = app.MapGroup("/api/organizations/{id:guid}/invitations").RequireUser().WithTags("Invitations");
        org.MapPost("/", async (Guid id, HttpRequest http, CurrentPrincipal who, ControlDbContext db, TimeProvider time, CancellationToken ct) =>
        {
            if (!await db.Organizations.AnyAsync(o => o.Id == id, ct))
            {
                return ApiResults.NotFound("organization");
            }

            if (!who.HasRole(id, Role.Admin))
            {
                return ApiResults.Forbidden("inviting needs the admin or owner role");
            }

            var (req, error) = await JsonBody.ReadAsync<CreateInvitationRequest>(http);
            if (req is null)
            {
                return error!;
            }

            var v = new ValidationErrors();
            if ((req.UserId is null) == (req.Email is null))
            {
                v.Add("userId", "give exactly one of userId or email");
            }

            if (req.Email is not null && (req.Email.Length > 320 || !req.Email.Contains('@', StringComparison.Ordinal)))
            {
                v.Add("email", "must be an e-mail address");
            }

            var role = req.Role ?? Role.Member;
            if (role == Role.Owner && !who.HasRole(id, Role.Owner))
            {
                v.Add("role", "only owners can invite owners");
            }

            if (v.Any)
            {
                return v.ToResult();
            }

            if (req.UserId is { } uid && !await db.Users.AnyAsync(u => u.Id == uid, ct))
            {
                return ValidationErrors.Single("userId", "no such user");
            }

            var inv = new Invitation
            {
                Id = Guid.NewGuid(),
                OrganizationId = id,
                InviteeUserId = req.UserId,
                InviteeEmail = req.Email?.ToLowerInvariant(),
                Role = role,
                Status = InvitationStatus.Pending,
                CreatedBy = who.UserId!.Value,
                CreatedAt = time.GetUtcNow(),
                ExpiresAt = time.GetUtcNow().AddDays(7),
            };
            db.Invitations.Add(inv);
            Audit.Record(db, who, time, id, "invitation.create", $"invitation/{inv.Id}", inv.InviteeEmail ?? inv.InviteeUserId.ToString()!);
            await db.SaveChangesAsync(ct);
            return Results.Created($"/api/invitations/{inv.Id}", View(inv));
        }).Accepts<CreateInvitationRequest>("application/json").Produces<InvitationView>(201);

        org.MapGet("/", async (Guid id, CurrentPrincipal who, ControlDbContext db, CancellationToken ct) =>
        {
            if (!await db.Organizations.AnyAsync(o => o.Id == id, ct))
            {
                return ApiResults.NotFound("organization");
            }

            return !who.HasRole(id, Role.Admin)
                ? ApiResults.Forbidden("listing invitations needs the admin or owner role")
                : Results.Ok((await db.Invitations.AsNoTracking().Where(i => i.OrganizationId == id).ToListAsync(ct)).Select(View).ToList());
        }).Produces<List<InvitationView>>();

        var mine = app.MapGroup("/api/invitations").RequireUser().WithTags("Invitations");
        mine.MapGet("/", async (CurrentPrincipal who, ControlDbContext db, CancellationToken ct) =>
            (await Addressed(db, who).Where(i => i.Status == InvitationStatus.Pending).ToListAsync(ct)).Select(View).ToList())
            .Produces<List<InvitationView>>();

        mine.MapPost("/{invitationId:guid}/accept", (Guid invitationId, CurrentPrincipal who, ControlDbContext db, TimeProvider time, CancellationToken ct) =>
            DecideAsync(invitationId, true, who, db, time, ct));
        mine.MapPost("/{invitationId:guid}/decline", (Guid invitationId, CurrentPrincipal who, ControlDbContext db, TimeProvider time, CancellationToken ct) =>
            DecideAsync(invitationId, false, who, db, time, ct));

        mine.MapDelete("/{invitationId:guid}", async (Guid invitationId, CurrentPrincipal who, ControlDbContext db, TimeProvider time, CancellationToken ct) =>
        {
            var inv = await db.Invitations.FirstOrDefaultAsync(i => i.Id == invitationId && db.Organizations.Any(o => o.Id == i.OrganizationId), ct);
            if (inv is null)
            {
                return ApiResults.NotFound("invitation");
            }

            if (!who.HasRole(inv.OrganizationId, Role.Admin))
            {
                return ApiResults.Forbidden("revoking an invitation needs the admin or owner role");
            }

            inv.Status = InvitationStatus.Revoked;
            Audit.Record(db, who, time, inv.OrganizationId, "invitation.revoke", $"invitation/{inv.Id}");
            await db.SaveChangesAsync(ct);
            return Results.NoContent();
        });
    }

    /// <summary>Invitations addressed to the caller: by user id, or by the e-mail their identity provider asserted.</summary>
    private static IQueryable<Invitation> Addressed(ControlDbContext db, CurrentPrincipal who) =>
        db.Invitations.IgnoreQueryFilters().Where(i => i.InviteeUserId == who.UserId || (who.Email != null && i.InviteeEmail == who.Email));

    private static async Task<IResult> DecideAsync(Guid id, bool accept, CurrentPrincipal who, ControlDbContext db, TimeProvider time, CancellationToken ct)
    {
        var inv = await Addressed(db, who).FirstOrDefaultAsync(i => i.Id == id, ct);
        if (inv is null)
        {
            return ApiResults.NotFound("invitation");
        }

        if (inv.Status != InvitationStatus.Pending || inv.ExpiresAt < time.GetUtcNow())
        {
            return ApiResults.Conflict($"invitation is {(inv.Status == InvitationStatus.Pending ? "expired" : inv.Status.ToString().ToLowerInvariant())}");
        }

        inv.Status = accept ? InvitationStatus.Accepted : InvitationStatus.Declined;
        if (accept && !await db.Memberships.IgnoreQueryFilters().AnyAsync(m => m.OrganizationId == inv.OrganizationId && m.UserId == who.UserId, ct))
        {
            db.Memberships.Add(new Membership { OrganizationId = inv.OrganizationId, UserId = who.UserId!.Value, Role = inv.Role, CreatedAt = time.GetUtcNow() });
        }

        Audit.Record(db, who, time, inv.OrganizationId, accept ? "invitation.accept" : "invitation.decline", $"invitation/{inv.Id}");
        await db.SaveChangesAsync(ct);
        return Results.NoContent();
    }

    private static InvitationView View(Invitation i) => new(i.Id, i.OrganizationId, i.InviteeUserId, i.InviteeEmail, i.Role, i.Status, i.ExpiresAt);
}
