using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Nexodus.Mesh.Control.Storage;

namespace Nexodus.Mesh.Control.Identity;

/// <summary>Authenticates <c>Authorization: Device ndc_...</c> against the hashed credential of a live device.</summary>
internal sealed class DeviceCredentialHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ControlDbContext db)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Device";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (header is null || !header.StartsWith("Device ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        var secret = header["Device ".Length..].Trim();
        if (!DeviceCredential.LooksValid(secret, DeviceCredential.DevicePrefix))
        {
            return AuthenticateResult.Fail("malformed device credential");
        }

        var hash = DeviceCredential.Hash(secret);
        var device = await db.Devices.IgnoreQueryFilters().AsNoTracking()
            .Where(d => d.CredentialHash == hash)
            .Select(d => new { d.Id, d.OrganizationId, d.VpcId, d.CredentialHash })
            .FirstOrDefaultAsync(Context.RequestAborted);
        if (device is null || !CryptographicOperations.FixedTimeEquals(device.CredentialHash, hash))
        {
            return AuthenticateResult.Fail("unknown or revoked device credential");
        }

        var identity = new ClaimsIdentity(
            [
                new Claim(ControlClaims.DeviceId, device.Id.ToString()),
                new Claim(ControlClaims.OrganizationId, device.OrganizationId.ToString()),
                new Claim(ControlClaims.VpcId, device.VpcId.ToString()),
            ],
            SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }
}
