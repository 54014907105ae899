using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Nexodus.Mesh.Control.Identity;
using Nexodus.Mesh.Control.Storage;

namespace Nexodus.Mesh.Control.Api;

internal static class MeApi
{
    public sealed record OrganizationRole(Guid Id, string Name, Role Role);

    public sealed record MeView(Guid Id, string Issuer, string Subject, string? Email, string DisplayName, bool IsServerAdmin, IReadOnlyList<OrganizationRole> Organizations);

    public sealed record CreateUserRequest(string? UserName, string? DisplayName, string? Email, string? Password);

    public sealed record CreatedUser(Guid Id, string UserName, string? Password);

    public static void MapMeApi(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api").RequireUser().WithTags("Users");
        g.MapGet("/me", async (CurrentPrincipal who, ControlDbContext db, CancellationToken ct) =>
        {
            var user = await db.Users.AsNoTracking().FirstAsync(u => u.Id == who.UserId, ct);
            var orgs = await db.Organizations.AsNoTracking().Where(o => who.Roles.Keys.Contains(o.Id)).OrderBy(o => o.Name).ToListAsync(ct);
            return Results.Ok(new MeView(user.Id, user.Issuer, user.Subject, user.Email, user.DisplayName, user.IsServerAdmin,
                [.. orgs.Select(o => new OrganizationRole(o.Id, o.Name, who.Roles[o.Id]))]));
        }).Produces<MeView>();

        g.MapPost("/admin/users", async (HttpRequest http, CurrentPrincipal who, ControlDbContext db, TimeProvider time, CancellationToken ct) =>
        {
            if (!who.IsServerAdmin)
            {
                return ApiResults.Forbidden("only a server admin can create local accounts");
            }

            var (req, error) = await JsonBody.ReadAsync<CreateUserRequest>(http);
            if (req is null)
            {
                return error!;
            }

            var v = new ValidationErrors();
            v.Name("userName", req.UserName, 100);
            v.Text("displayName", req.DisplayName, 200);
            v.Text("email", req.Email, 320);
            if (req.Password is not null && req.Password.Length is < 12 or > 200)
            {
                v.Add("password", "must be 12 to 200 characters");
            }

            if (v.Any)
            {
                return v.ToResult();
            }

            if (await db.Users.AnyAsync(u => u.UserName == req.UserName, ct))
            {
                return ApiResults.Conflict($"user name '{req.UserName}' is taken");
            }

            var password = req.Password ?? RandomPassword();
            var id = Guid.NewGuid();
            var user = new User
            {
                Id = id,
                Issuer = User.LocalIssuer,
                Subject = id.ToString(),
                UserName = req.UserName,
                DisplayName = req.DisplayName ?? req.UserName!,
                Email = req.Email?.ToLowerInvariant(),
                CreatedAt = time.GetUtcNow(),
            };
            user.PasswordHash = new PasswordHasher<User>().HashPassword(user, password);
            db.Users.Add(user);
            await db.SaveChangesAsync(ct);
            return Results.Created($"/api/admin/users/{id}", new CreatedUser(id, user.UserName!, req.Password is null ? password : null));
        }).Accepts<CreateUserRequest>("application/json").Produces<CreatedUser>(201);
    }

    public static string RandomPassword() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)).Replace('+', '-').Replace('/', '_');
}
