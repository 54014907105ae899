using System.Security.Claims;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using Nexodus.Mesh.Control.Hosting;
using Nexodus.Mesh.Control.Storage;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace Nexodus.Mesh.Control.Identity;

/// <summary>
/// Wires the embedded OpenID provider (OpenIddict: code + PKCE for browsers and nexctl, device authorization grant
/// for headless login, refresh tokens), the login cookie, the device credential scheme, and one JwtBearer +
/// OpenIdConnect scheme pair per configured external issuer.
/// </summary>
internal static class EmbeddedIdentity
{
    public const string CookieScheme = "nexodus-login";
    public const string CliClientId = "nexctl";
    public const string ApiScope = "api";

    public static void AddControlIdentity(this IServiceCollection services, ControlOptions options)
    {
        services.AddSingleton<Microsoft.Extensions.Options.IConfigureOptions<OpenIddictServerOptions>, ServerKeyConfigurer>();

        services.AddOpenIddict()
            .AddCore(o => o.UseEntityFrameworkCore().UseDbContext<ControlDbContext>())
            .AddServer(o =>
            {
                o.SetAuthorizationEndpointUris("connect/authorize")
                    .SetTokenEndpointUris("connect/token")
                    .SetDeviceAuthorizationEndpointUris("connect/device")
                    .SetEndUserVerificationEndpointUris("connect/verify")
                    .SetRevocationEndpointUris("connect/revoke");
                if (options.PublicUrl is not null)
                {
                    // Replicas behind one URL must agree on the issuer, or tokens from one fail on another.
                    o.SetIssuer(new Uri(options.PublicUrl));
                }

                o.AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange();
                o.AllowDeviceAuthorizationFlow();
                o.AllowRefreshTokenFlow();
                o.RegisterScopes(OpenIddictConstants.Scopes.OpenId, OpenIddictConstants.Scopes.Profile, OpenIddictConstants.Scopes.Email,
                    OpenIddictConstants.Scopes.OfflineAccess, ApiScope);
                o.SetAccessTokenLifetime(TimeSpan.FromHours(1));
                var aspnet = o.UseAspNetCore()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableEndUserVerificationEndpointPassthrough()
                    .EnableStatusCodePagesIntegration();
                if (options.AllowInsecureHttp)
                {
                    aspnet.DisableTransportSecurityRequirement();
                }

                o.AddEventHandler<HandleDeviceAuthorizationRequestContext>(h => h.UseInlineHandler(AttachDeviceDetails));
            })
            .AddValidation(o =>
            {
                o.UseLocalServer();
                o.UseAspNetCore();
            });

        var auth = services.AddAuthentication(CookieScheme)
            .AddCookie(CookieScheme, c =>
            {
                c.LoginPath = "/account/login";
                c.Cookie.Name = "nexodus.login";
                c.Cookie.HttpOnly = true;
                c.Cookie.SameSite = SameSiteMode.Lax;
                c.ExpireTimeSpan = TimeSpan.FromHours(8);
            })
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, DeviceCredentialHandler>(DeviceCredentialHandler.SchemeName, null);

        foreach (var ext in options.ExternalIssuers)
        {
            auth.AddJwtBearer(PrincipalMiddleware.ExternalSchemePrefix + ext.Name, j =>
            {
                j.Authority = ext.Issuer;
                j.RequireHttpsMetadata = !ext.AllowHttp;
                j.MapInboundClaims = false;
                j.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = ext.Issuer,
                    ValidAudience = ext.Audience ?? ext.ClientId,
                    NameClaimType = "name",
                    ClockSkew = ext.ClockSkew,
                };
            });
            auth.AddOpenIdConnect(ExternalLoginScheme(ext.Name), oidc =>
            {
                oidc.SignInScheme = CookieScheme;
                oidc.Authority = ext.Issuer;
                oidc.RequireHttpsMetadata = !ext.AllowHttp;
                oidc.ClientId = ext.ClientId;
                oidc.ClientSecret = ext.ClientSecret;
                oidc.ResponseType = "code";
                oidc.UsePkce = true;
                oidc.ResponseMode = OpenIdConnectResponseMode.Query;
                // With query response mode the callback is a top-level GET, so Lax cookies arrive; SameAsRequest
                // keeps plain-HTTP one-box installs working (behind TLS the cookies are Secure).
                oidc.CorrelationCookie.SameSite = SameSiteMode.Lax;
                oidc.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                oidc.NonceCookie.SameSite = SameSiteMode.Lax;
                oidc.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                oidc.Events.OnRemoteFailure = ctx =>
                {
                    // A failed or refused external login is the user's problem to retry, not a server error.
                    ctx.Response.Redirect("/account/login?error=external");
                    ctx.HandleResponse();
                    return Task.CompletedTask;
                };
                oidc.MapInboundClaims = false;
                oidc.GetClaimsFromUserInfoEndpoint = false;
                oidc.CallbackPath = "/account/external/" + ext.Name + "/callback";
                oidc.Scope.Clear();
                foreach (var s in ext.Scopes)
                {
                    oidc.Scope.Add(s);
                }

                oidc.Events.OnTicketReceived = ctx =>
                {
                    // Remember which issuer vouched for this login: users are keyed by (issuer, sub).
                    var id = (ClaimsIdentity)ctx.Principal!.Identity!;
                    id.AddClaim(new Claim(ControlClaims.LoginIssuer, ext.Issuer));
                    return Task.CompletedTask;
                };
            });
        }
    }

    public static string ExternalLoginScheme(string name) => "login-" + name;

    /// <summary>
    /// Keeps what nexd said about itself in the device authorization request (name, OS, node key) plus the source
    /// address, so the approval page can show the human exactly which machine they are letting in.
    /// </summary>
    private static ValueTask AttachDeviceDetails(HandleDeviceAuthorizationRequestContext context)
    {
        var request = context.Request;
        var identity = new ClaimsIdentity();
        void Add(string type, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                identity.AddClaim(new Claim(type, value.Length > 200 ? value[..200] : value));
            }
        }

        Add(ControlClaims.DeviceName, (string?)request["device_name"]);
        Add(ControlClaims.DeviceOs, (string?)request["device_os"]);
        if (Nexodus.Mesh.Core.Keys.PublicKey.TryParse((string?)request["node_key"], out var nodeKey))
        {
            Add(ControlClaims.NodeKey, nodeKey.ToString());
        }

        var http = context.Transaction.GetHttpRequest();
        Add(ControlClaims.SourceAddress, http?.HttpContext.Connection.RemoteIpAddress?.ToString());
        var principal = new ClaimsPrincipal(identity);
        principal.SetScopes(request.GetScopes());
        context.SignIn(principal);
        return ValueTask.CompletedTask;
    }
}
