using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Nexodus.Mesh.Control.Hosting;
using Nexodus.Mesh.Control.Storage;

namespace Nexodus.Mesh.Control.Identity;

/// <summary>Browser login: local accounts by form, external issuers by OIDC code + PKCE, both ending in a cookie.</summary>
internal static class AccountEndpoints
{
    public static void MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/account/login", LoginPage).ExcludeFromDescription();
        app.MapPost("/account/login", LoginAsync).ExcludeFromDescription().DisableAntiforgery();
        app.MapPost("/account/logout", async (HttpContext ctx) =>
        {
            await ctx.SignOutAsync(EmbeddedIdentity.CookieScheme);
            return Results.Redirect("/account/login");
        }).ExcludeFromDescription();
        app.MapGet("/account/external/{name}", (string name, string? returnUrl, IOptions<ControlOptions> options) =>
        {
            if (!options.Value.ExternalIssuers.Any(e => e.Name == name))
            {
                return Results.NotFound();
            }

            return Results.Challenge(new AuthenticationProperties { RedirectUri = SafeReturnUrl(returnUrl) }, [EmbeddedIdentity.ExternalLoginScheme(name)]);
        }).ExcludeFromDescription();
    }

    public static string SafeReturnUrl(string? returnUrl) =>
        returnUrl is { Length: > 0 } && returnUrl[0] == '/' && !returnUrl.StartsWith("//", StringComparison.Ordinal) && !returnUrl.StartsWith("/\\", StringComparison.Ordinal)
            ? returnUrl
            : "/account/done";

    private static IResult LoginPage(HttpContext ctx, string? returnUrl, IAntiforgery antiforgery, IOptions<ControlOptions> options) =>
        RenderLogin(ctx, antiforgery, options.Value, returnUrl, null);

    private static IResult RenderLogin(HttpContext ctx, IAntiforgery antiforgery, ControlOptions options, string? returnUrl, string? error)
    {
        var tokens = antiforgery.GetAndStoreTokens(ctx);
        var externals = string.Concat(options.ExternalIssuers.Select(e =>
            $"<p><a href=\"/account/external/{Uri.EscapeDataString(e.Name)}?returnUrl={Uri.EscapeDataString(SafeReturnUrl(returnUrl))}\">Sign in with {Html.E(e.Name)}</a></p>"));
        var body = (error is null ? "" : $"<p role=\"alert\">{Html.E(error)}</p>")
            + "<form method=\"post\" action=\"/account/login\">"
            + Html.Hidden(tokens.FormFieldName, tokens.RequestToken)
            + Html.Hidden("returnUrl", SafeReturnUrl(returnUrl))
            + "<p><label>User name <input name=\"username\" autocomplete=\"username\"></label></p>"
            + "<p><label>Password <input name=\"password\" type=\"password\" autocomplete=\"current-password\"></label></p>"
            + "<p><button type=\"submit\">Sign in</button></p></form>" + externals;
        return Html.Page("Sign in to Nexodus", body, error is null ? 200 : 401);
    }

    private static async Task<IResult> LoginAsync(
        HttpContext ctx, IAntiforgery antiforgery, ControlDbContext db, IOptions<ControlOptions> options, TimeProvider time)
    {
        if (!ctx.Request.HasFormContentType)
        {
            return Results.BadRequest();
        }

        try
        {
            await antiforgery.ValidateRequestAsync(ctx);
        }
        catch (AntiforgeryValidationException)
        {
            return Html.Page("Sign in to Nexodus", "<p>The form expired; reload the page and try again.</p>", 400);
        }

        var form = await ctx.Request.ReadFormAsync(ctx.RequestAborted);
        string? userName = form["username"];
        string? password = form["password"];
        string? returnUrl = form["returnUrl"];
        var user = string.IsNullOrEmpty(userName)
            ? null
            : await db.Users.FirstOrDefaultAsync(u => u.UserName == userName && u.Issuer == User.LocalIssuer, ctx.RequestAborted);
        var hasher = new PasswordHasher<User>();
        if (user?.PasswordHash is null || string.IsNullOrEmpty(password)
            || hasher.VerifyHashedPassword(user, user.PasswordHash, password) == PasswordVerificationResult.Failed)
        {
            return RenderLogin(ctx, antiforgery, options.Value, returnUrl, "Wrong user name or password.");
        }

        var identity = new ClaimsIdentity(
            [
                new Claim("sub", user.Subject),
                new Claim("name", user.DisplayName),
                new Claim(ControlClaims.LoginIssuer, User.LocalIssuer),
            ],
            EmbeddedIdentity.CookieScheme, "name", "role");
        await ctx.SignInAsync(EmbeddedIdentity.CookieScheme, new ClaimsPrincipal(identity));
        return Results.Redirect(SafeReturnUrl(returnUrl));
    }

    /// <summary>The user behind a login cookie: local accounts by id, external ones by (issuer, sub), created on first sight.</summary>
    public static async Task<User?> ResolveCookieUserAsync(ClaimsPrincipal cookie, ControlDbContext db, TimeProvider time, CancellationToken ct)
    {
        var issuer = cookie.FindFirstValue(ControlClaims.LoginIssuer);
        var subject = cookie.FindFirstValue("sub");
        if (issuer is null || subject is null)
        {
            return null;
        }

        if (issuer == User.LocalIssuer)
        {
            return await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Issuer == User.LocalIssuer && u.Subject == subject, ct);
        }

        return await PrincipalMiddleware.FindOrCreateExternalAsync(db, issuer, subject, cookie, time, ct);
    }
}
