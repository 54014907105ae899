namespace Nexodus.Mesh.Control.Hosting;

/// <summary>An external OIDC provider: browser login (code + PKCE) and bearer tokens for the API.</summary>
internal sealed class ExternalIssuerOptions
{
    /// <summary>Short name used in URLs (/account/external/{Name}).</summary>
    public string Name { get; set; } = "";

    public string Issuer { get; set; } = "";

    public string ClientId { get; set; } = "";

    public string? ClientSecret { get; set; }

    public List<string> Scopes { get; set; } = ["openid", "profile", "email"];

    /// <summary>Expected "aud" of bearer tokens; defaults to ClientId.</summary>
    public string? Audience { get; set; }

    /// <summary>
    /// Tolerated clock difference when checking a bearer token's lifetime. One minute (not the library's five):
    /// access tokens are short-lived, and a revoked session should not linger long past its expiry.
    /// </summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Allow http:// discovery (tests and loopback providers only).</summary>
    public bool AllowHttp { get; set; }
}
