using Microsoft.EntityFrameworkCore;
using Nexodus.Mesh.Control.Identity;
using Nexodus.Mesh.Control.Storage;

namespace Nexodus.Mesh.Control.Api;

internal static class RegistrationKeysApi
{
    public sealed record RegistrationKeyView(
        Guid Id, Guid OrganizationId, Guid VpcId, Guid? SecurityGroupId, string Description, bool SingleUse, int UseCount, bool Revoked,
        DateTimeOffset? ExpiresAt, DateTimeOffset CreatedAt, string? Secret);

    public sealed record CreateRegistrationKeyRequest(Guid? VpcId, Guid? SecurityGroupId, string? Description, bool? SingleUse, DateTimeOffset? ExpiresAt);

    public static void MapRegistrationKeysApi(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/registration-keys").RequireUser().WithTags("Registration keys");

        g.MapGet("/", async (Guid? vpcId, CurrentPrincipal who, ControlDbContext db, CancellationToken ct) =>
        {
            var keys = await db.RegistrationKeys.AsNoTracking().Where(k => vpcId == null || k.VpcId == vpcId).OrderBy(k => k.CreatedAt).ToListAsync(ct);
            return keys.Where(k => who.HasRole(k.OrganizationId, Role.Admin)).Select(k => View(k, null)).ToList();
        }).Produces<List<RegistrationKeyView>>();

        g.MapGet("/{id:guid}", async (Guid id, CurrentPrincipal who, ControlDbContext db, CancellationToken ct) =>
        {
            var k = await db.RegistrationKeys.AsNoTracking().FirstOrDefaultAsync(x => x.Id == id, ct);
            return k is null ? ApiResults.NotFound("registration key")
                : !who.HasRole(k.OrganizationId, Role.Admin) ? ApiResults.Forbidden("registration keys need the admin or owner role")
                : Results.Ok(View(k, null));
        }).Produces<RegistrationKeyView>();

        g.MapPost("/", async (HttpRequest http, CurrentPrincipal who, ControlDbContext db, TimeProvider time, CancellationToken ct) =>
        {
            var (req, error) = await JsonBody.ReadAsync<CreateRegistrationKeyRequest>(http);
            if (req is null)
            {
                return error!;
            }

            var v = new ValidationErrors();
            if (req.VpcId is null)
            {
                v.Add("vpcId", "is required");
            }

            v.Text("description", req.Description, 1000);
            if (req.ExpiresAt is { } exp && exp <= time.GetUtcNow())
            {
                v.Add("expiresAt", "must be in the future");
            }

            if (v.Any)
            {
                return v.ToResult();
            }

            var vpc = await db.Vpcs.AsNoTracking().FirstOrDefaultAsync(x => x.Id == req.VpcId, ct);
            if (vpc is null)
            {
                return ApiResults.NotFound("vpc");
            }

            if (!who.HasRole(vpc.OrganizationId, Role.Admin))
            {
                return ApiResults.Forbidden("registration keys need the admin or owner role");
            }

            if (req.SecurityGroupId is { } sg && !await db.SecurityGroups.AnyAsync(s => s.Id == sg && s.VpcId == vpc.Id, ct))
            {
                return ValidationErrors.Single("securityGroupId", "is not a security group of this VPC");
            }

            var secret = DeviceCredential.NewSecret(DeviceCredential.RegistrationKeyPrefix);
            var key = new RegistrationKey
            {
                Id = Guid.NewGuid(),
                OrganizationId = vpc.OrganizationId,
                VpcId = vpc.Id,
                SecurityGroupId = req.SecurityGroupId,
                Description = req.Description ?? "",
                SingleUse = req.SingleUse ?? true,
                ExpiresAt = req.ExpiresAt,
                SecretHash = DeviceCredential.Hash(secret),
                CreatedBy = who.UserId!.Value,
                CreatedAt = time.GetUtcNow(),
            };
            db.RegistrationKeys.Add(key);
            Audit.Record(db, who, time, vpc.OrganizationId, "registration-key.create", $"registration-key/{key.Id}", key.SingleUse ? "single-use" : "multi-use");
            await db.SaveChangesAsync(ct);
            // The only time the secret is ever returned.
            return Results.Created($"/api/registration-keys/{key.Id}", View(key, secret));
        }).Accepts<CreateRegistrationKeyRequest>("application/json").Produces<RegistrationKeyView>(201);

        g.MapDelete("/{id:guid}", async (Guid id, CurrentPrincipal who, ControlDbContext db, TimeProvider time, CancellationToken ct) =>
        {
            var k = await db.RegistrationKeys.FirstOrDefaultAsync(x => x.Id == id, ct);
            if (k is null)
            {
                return ApiResults.NotFound("registration key");
            }

            if (!who.HasRole(k.OrganizationId, Role.Admin))
            {
                return ApiResults.Forbidden("registration keys need the admin or owner role");
            }

            k.Revoked = true;
            Audit.Record(db, who, time, k.OrganizationId, "registration-key.revoke", $"registration-key/{k.Id}");
            await db.SaveChangesAsync(ct);
            return Results.NoContent();
        });
    }

    private static RegistrationKeyView View(RegistrationKey k, string? secret) =>
        new(k.Id, k.OrganizationId, k.VpcId, k.SecurityGroupId, k.Description, k.SingleUse, k.UseCount, k.Revoked, k.ExpiresAt, k.CreatedAt, secret);
}
