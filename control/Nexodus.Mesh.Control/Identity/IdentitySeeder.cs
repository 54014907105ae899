using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Nexodus.Mesh.Control.Api;
using Nexodus.Mesh.Control.Hosting;
using Nexodus.Mesh.Control.Storage;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Nexodus.Mesh.Control.Identity;

/// <summary>First start: registers the nexctl client and creates the first admin with a random, printed-once password.</summary>
internal static partial class IdentitySeeder
{
    public static async Task SeedAsync(IServiceProvider services, ControlOptions options, ILogger log, CancellationToken ct)
    {
        using var scope = services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ControlDbContext>();
        db.Scope.SetSystem();
        var apps = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        if (await apps.FindByClientIdAsync(EmbeddedIdentity.CliClientId, ct) is null)
        {
            var descriptor = new OpenIddictApplicationDescriptor
            {
                ClientId = EmbeddedIdentity.CliClientId,
                ClientType = ClientTypes.Public,
                DisplayName = "nexctl / nexd",
                RedirectUris = { new Uri("http://127.0.0.1/callback"), new Uri("http://localhost/callback") },
                Permissions =
                {
                    Permissions.Endpoints.Authorization,
                    Permissions.Endpoints.Token,
                    Permissions.Endpoints.DeviceAuthorization,
                    Permissions.Endpoints.Revocation,
                    Permissions.GrantTypes.AuthorizationCode,
                    Permissions.GrantTypes.DeviceCode,
                    Permissions.GrantTypes.RefreshToken,
                    Permissions.ResponseTypes.Code,
                    Permissions.Scopes.Profile,
                    Permissions.Scopes.Email,
                    Permissions.Prefixes.Scope + EmbeddedIdentity.ApiScope,
                },
                Requirements = { Requirements.Features.ProofKeyForCodeExchange },
            };
            try
            {
                await apps.CreateAsync(descriptor, ct);
            }
            catch (DbUpdateException)
            {
                // Another replica registered it at the same moment.
            }
        }

        if (!await db.Users.AnyAsync(u => u.IsServerAdmin, ct))
        {
            var password = options.InitialAdminPassword ?? MeApi.RandomPassword();
            var id = Guid.NewGuid();
            var admin = new User
            {
                Id = id,
                Issuer = User.LocalIssuer,
                Subject = id.ToString(),
                UserName = options.InitialAdminUserName,
                DisplayName = "Administrator",
                IsServerAdmin = true,
                CreatedAt = DateTimeOffset.UtcNow,
            };
            admin.PasswordHash = new PasswordHasher<User>().HashPassword(admin, password);
            db.Users.Add(admin);
            await db.SaveChangesAsync(ct);
            if (options.InitialAdminPassword is null)
            {
                // Printed once, never stored in clear: the operator must note it now.
                Console.Out.WriteLine($"nexodus-control: created first admin '{admin.UserName}' with password: {password}");
                Console.Out.WriteLine("nexodus-control: this password is shown only once; sign in at /account/login and keep it safe.");
            }

            Log.AdminCreated(log, admin.UserName!);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "created first admin account '{UserName}'")]
        public static partial void AdminCreated(ILogger logger, string userName);
    }
}
