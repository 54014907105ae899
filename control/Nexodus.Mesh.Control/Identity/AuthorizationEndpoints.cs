using System.Security.Claims;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Nexodus.Mesh.Control.Storage;
using Nexodus.Mesh.Core.Keys;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Nexodus.Mesh.Control.Identity;

/// <summary>
/// Passthrough endpoints of the embedded provider: /connect/authorize (code + PKCE; first-party clients, no consent
/// screen) and /connect/verify (RFC 8628 user code entry and approval page).
/// </summary>
internal static class AuthorizationEndpoints
{
    public static void MapAuthorizationEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/connect/authorize", ["GET", "POST"], AuthorizeAsync).ExcludeFromDescription().DisableAntiforgery();
        app.MapGet("/connect/verify", VerifyPageAsync).ExcludeFromDescription();
        app.MapPost("/connect/verify", VerifyAsync).ExcludeFromDescription().DisableAntiforgery();
        app.MapGet("/account/done", () => Html.Page("Done", "<p>You can close this window and return to your terminal.</p>")).ExcludeFromDescription();
    }

    private static async Task<IResult> AuthorizeAsync(HttpContext ctx, ControlDbContext db, TimeProvider time)
    {
        var request = ctx.GetOpenIddictServerRequest();
        if (request is null)
        {
            return Results.BadRequest();
        }

        var cookie = await ctx.AuthenticateAsync(EmbeddedIdentity.CookieScheme);
        var user = cookie.Succeeded ? await AccountEndpoints.ResolveCookieUserAsync(cookie.Principal, db, time, ctx.RequestAborted) : null;
        if (user is null)
        {
            return Results.Challenge(
                new AuthenticationProperties { RedirectUri = ctx.Request.PathBase + ctx.Request.Path + QueryString.Create(ctx.Request.HasFormContentType ? ctx.Request.Form.ToList() : ctx.Request.Query.ToList()) },
                [EmbeddedIdentity.CookieScheme]);
        }

        var principal = UserPrincipal(user, request.GetScopes(), extra: null);
        return Results.SignIn(principal, null, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static async Task<IResult> VerifyPageAsync(HttpContext ctx, IAntiforgery antiforgery, ControlDbContext db, TimeProvider time)
    {
        var cookie = await ctx.AuthenticateAsync(EmbeddedIdentity.CookieScheme);
        if (!cookie.Succeeded)
        {
            return Results.Challenge(new AuthenticationProperties { RedirectUri = ctx.Request.Path + ctx.Request.QueryString }, [EmbeddedIdentity.CookieScheme]);
        }

        var tokens = antiforgery.GetAndStoreTokens(ctx);
        var code = ctx.Request.Query["user_code"].ToString();
        var result = await ctx.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        if (string.IsNullOrEmpty(code) || !result.Succeeded || result.Principal is null)
        {
            var error = string.IsNullOrEmpty(code) ? "" : "<p role=\"alert\">That code is unknown or has expired.</p>";
            return Html.Page(
                "Connect a device",
                error + "<form method=\"get\" action=\"/connect/verify\"><p><label>Code shown on the device <input name=\"user_code\"></label></p>"
                + "<p><button type=\"submit\">Continue</button></p></form>",
                string.IsNullOrEmpty(code) ? 200 : 404);
        }

        var p = result.Principal;
        var nodeKey = p.FindFirstValue(ControlClaims.NodeKey);
        var fingerprint = PublicKey.TryParse(nodeKey, out var key) ? key.Fingerprint() : "(no node key sent)";
        var body = "<p>A device asks to sign in as you. Approve only if you started this on that machine.</p><dl>"
            + $"<dt>Device name</dt><dd id=\"device-name\">{Html.E(p.FindFirstValue(ControlClaims.DeviceName) ?? "(not given)")}</dd>"
            + $"<dt>Operating system</dt><dd id=\"device-os\">{Html.E(p.FindFirstValue(ControlClaims.DeviceOs) ?? "(not given)")}</dd>"
            + $"<dt>Source address</dt><dd id=\"source-address\">{Html.E(p.FindFirstValue(ControlClaims.SourceAddress) ?? "(unknown)")}</dd>"
            + $"<dt>Node key fingerprint</dt><dd id=\"key-fingerprint\">{Html.E(fingerprint)}</dd></dl>"
            + "<form method=\"post\" action=\"/connect/verify\">" + Html.Hidden(tokens.FormFieldName, tokens.RequestToken) + Html.Hidden("user_code", code)
            + "<button name=\"decision\" value=\"approve\" type=\"submit\">Approve</button> "
            + "<button name=\"decision\" value=\"deny\" type=\"submit\">Deny</button></form>";
        return Html.Page("Approve device sign-in", body);
    }

    private static async Task<IResult> VerifyAsync(HttpContext ctx, IAntiforgery antiforgery, ControlDbContext db, TimeProvider time)
    {
        try
        {
            await antiforgery.ValidateRequestAsync(ctx);
        }
        catch (AntiforgeryValidationException)
        {
            return Html.Page("Approve device sign-in", "<p>The form expired; reload the page and try again.</p>", 400);
        }

        var cookie = await ctx.AuthenticateAsync(EmbeddedIdentity.CookieScheme);
        var user = cookie.Succeeded ? await AccountEndpoints.ResolveCookieUserAsync(cookie.Principal, db, time, ctx.RequestAborted) : null;
        if (user is null)
        {
            return Results.Challenge(new AuthenticationProperties { RedirectUri = "/connect/verify" }, [EmbeddedIdentity.CookieScheme]);
        }

        var result = await ctx.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        if (!result.Succeeded || result.Principal is null)
        {
            return Html.Page("Approve device sign-in", "<p>That code is unknown or has expired.</p>", 404);
        }

        var form = await ctx.Request.ReadFormAsync(ctx.RequestAborted);
        if (form["decision"] != "approve")
        {
            return Results.Forbid(new AuthenticationProperties { RedirectUri = "/account/done" }, [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
        }

        // The token handed to the device is bound to the node key the human saw on this page.
        var principal = UserPrincipal(user, result.Principal.GetScopes(), result.Principal);
        return Results.SignIn(principal, new AuthenticationProperties { RedirectUri = "/account/done" }, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static ClaimsPrincipal UserPrincipal(User user, IEnumerable<string> scopes, ClaimsPrincipal? extra)
    {
        var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);
        // Tokens of the embedded provider always name the internal user id; that user row carries the real
        // (issuer, subject) of whichever provider authenticated the human.
        identity.SetClaim(Claims.Subject, user.Id.ToString());
        identity.SetClaim(Claims.Name, user.DisplayName);
        if (user.Email is not null)
        {
            identity.SetClaim(Claims.Email, user.Email);
        }

        foreach (var type in new[] { ControlClaims.NodeKey, ControlClaims.DeviceName, ControlClaims.DeviceOs })
        {
            var value = extra?.FindFirstValue(type);
            if (value is not null)
            {
                identity.SetClaim(type, value);
            }
        }

        var principal = new ClaimsPrincipal(identity);
        principal.SetScopes(scopes);
        principal.SetDestinations(c => c.Type switch
        {
            Claims.Name or Claims.Email => [Destinations.AccessToken, Destinations.IdentityToken],
            _ => [Destinations.AccessToken],
        });
        return principal;
    }
}
