using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Nexodus.Mesh.Control.Hosting;
using Nexodus.Mesh.Control.Storage;
using OpenIddict.Validation.AspNetCore;

namespace Nexodus.Mesh.Control.Identity;

/// <summary>
/// Authenticates API calls and fills <see cref="CurrentPrincipal"/> and the data layer's <see cref="TenantScope"/>.
/// "Device ..." goes to the device credential scheme; "Bearer ..." to the external issuer whose "iss" the token
/// names, else to the embedded provider. Users are looked up — and created on first sight for external issuers —
/// by (issuer, subject).
/// </summary>
internal sealed class PrincipalMiddleware(RequestDelegate next, IOptions<ControlOptions> options)
{
    public const string ExternalSchemePrefix = "ext-";

    public async Task InvokeAsync(HttpContext context, CurrentPrincipal principal, TenantScope scope, ControlDbContext db, TimeProvider time)
    {
        if (!context.Request.Path.StartsWithSegments("/api"))
        {
            await next(context);
            return;
        }

        string? header = context.Request.Headers.Authorization;
        if (header is not null && header.StartsWith("Device ", StringComparison.OrdinalIgnoreCase))
        {
            var result = await context.AuthenticateAsync(DeviceCredentialHandler.SchemeName);
            if (result.Succeeded)
            {
                var p = result.Principal;
                principal.DeviceId = Guid.Parse(p.FindFirstValue(ControlClaims.DeviceId)!);
                principal.DeviceOrganizationId = Guid.Parse(p.FindFirstValue(ControlClaims.OrganizationId)!);
                principal.DeviceVpcId = Guid.Parse(p.FindFirstValue(ControlClaims.VpcId)!);
                scope.SetDevice(principal.DeviceId.Value, principal.DeviceOrganizationId.Value, principal.DeviceVpcId.Value);
                context.User = p;
            }
        }
        else if (header is not null && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            var token = header["Bearer ".Length..].Trim();
            var external = FindExternal(token);
            var scheme = external is null ? OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme : ExternalSchemePrefix + external.Name;
            var result = await context.AuthenticateAsync(scheme);
            if (result.Succeeded)
            {
                var p = result.Principal;
                var subject = p.FindFirstValue("sub");
                if (!string.IsNullOrEmpty(subject))
                {
                    var user = external is null
                        ? await FindLocalAsync(db, subject, context.RequestAborted)
                        : await FindOrCreateExternalAsync(db, external.Issuer, subject, p, time, context.RequestAborted);
                    if (user is not null)
                    {
                        await FillUserAsync(principal, scope, db, user, context.RequestAborted);
                        principal.BoundNodeKey = p.FindFirstValue(ControlClaims.NodeKey);
                        context.User = p;
                    }
                }
            }
        }

        await next(context);
    }

    public static async Task FillUserAsync(CurrentPrincipal principal, TenantScope scope, ControlDbContext db, User user, CancellationToken ct)
    {
        principal.UserId = user.Id;
        principal.IsServerAdmin = user.IsServerAdmin;
        principal.Email = user.Email;
        var memberships = await db.Memberships.IgnoreQueryFilters().AsNoTracking()
            .Where(m => m.UserId == user.Id).ToListAsync(ct);
        foreach (var m in memberships)
        {
            principal.Roles[m.OrganizationId] = m.Role;
        }

        scope.SetUser(user.Id, principal.Roles.Keys);
    }

    private ExternalIssuerOptions? FindExternal(string token)
    {
        var externals = options.Value.ExternalIssuers;
        if (externals.Count == 0)
        {
            return null;
        }

        var handler = new JsonWebTokenHandler();
        if (!handler.CanReadToken(token))
        {
            return null;
        }

        try
        {
            // Unvalidated peek only to pick the scheme; that scheme then validates signature, issuer and audience.
            var iss = handler.ReadJsonWebToken(token).Issuer;
            return externals.FirstOrDefault(e => string.Equals(e.Issuer.TrimEnd('/'), iss.TrimEnd('/'), StringComparison.Ordinal));
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static async Task<User?> FindLocalAsync(ControlDbContext db, string subject, CancellationToken ct) =>
        Guid.TryParse(subject, out var id)
            ? await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == id, ct)
            : null;

    public static async Task<User> FindOrCreateExternalAsync(
        ControlDbContext db, string issuer, string subject, ClaimsPrincipal p, TimeProvider time, CancellationToken ct)
    {
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Issuer == issuer && u.Subject == subject, ct);
        if (user is not null)
        {
            return user;
        }

        user = new User
        {
            Id = Guid.NewGuid(),
            Issuer = issuer,
            Subject = subject,
            Email = p.FindFirstValue("email")?.ToLowerInvariant(),
            DisplayName = p.FindFirstValue("name") ?? p.FindFirstValue("preferred_username") ?? subject,
            CreatedAt = time.GetUtcNow(),
        };
        db.Users.Add(user);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // A concurrent first request created the same (issuer, subject): use that row.
            db.ChangeTracker.Clear();
            user = await db.Users.AsNoTracking().FirstAsync(u => u.Issuer == issuer && u.Subject == subject, ct);
        }

        return user;
    }
}
