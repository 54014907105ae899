using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Nexodus.Mesh.Control.Tests.Infrastructure;

namespace Nexodus.Mesh.Control.Tests;

/// <summary>
/// An access token of a configured external issuer (npm oidc-provider on 127.0.0.1, JWT access tokens by RFC 8707
/// resource indicators) is an API credential: the user behind it reaches /api/me and their organization. A token of
/// an issuer control does not know, an expired one and one for another audience are 401.
/// </summary>
public abstract partial class ExternalBearerTests(DbProvider provider)
{
    private const string ApiClient = "api-test";
    private const string ApiRedirect = "http://127.0.0.1:9/api-callback";

    [Fact]
    public async Task AccessTokenOfConfiguredIssuer_Works_UnknownIssuerExpiredAndWrongAudienceAre401()
    {
        await using var idp = await OidcProviderProcess.StartAsync("nexodus-control", "test-secret-123", "http://127.0.0.1:9/unused", (ApiClient, ApiRedirect));
        await using var stranger = await OidcProviderProcess.StartAsync("nexodus-control", "test-secret-123", "http://127.0.0.1:9/unused", (ApiClient, ApiRedirect));
        await using var host = await ControlHost.StartAsync(provider, new()
        {
            ["Control:ExternalIssuers:0:Name"] = "idp",
            ["Control:ExternalIssuers:0:Issuer"] = idp.Issuer,
            ["Control:ExternalIssuers:0:ClientId"] = "nexodus-control",
            ["Control:ExternalIssuers:0:ClientSecret"] = "test-secret-123",
            ["Control:ExternalIssuers:0:Audience"] = "nexodus-api",
            ["Control:ExternalIssuers:0:ClockSkew"] = "00:00:00",
            ["Control:ExternalIssuers:0:AllowHttp"] = "true",
        });

        // A user who logged in at the external issuer calls the API with that issuer's access token.
        using var carol = host.Client();
        carol.UseBearer(await AccessTokenAsync(idp.Issuer, "carol", "urn:nexodus:api"));
        var (status, me) = await carol.GetAsync("/api/me");
        Assert.True(status == HttpStatusCode.OK, $"{status} {me}");
        Assert.Equal(idp.Issuer, me.GetProperty("issuer").GetString());
        Assert.Equal("carol", me.GetProperty("subject").GetString());
        var carolId = me.GetProperty("id").GetGuid();
        var (created, org) = await carol.PostAsync("/api/organizations", new { name = "carols-org" });
        Assert.Equal(HttpStatusCode.Created, created);
        var orgId = org.GetProperty("id").GetGuid();
        var (got, sameOrg) = await carol.GetAsync($"/api/organizations/{orgId}");
        Assert.Equal(HttpStatusCode.OK, got);
        Assert.Equal("carols-org", sameOrg.GetProperty("name").GetString());
        var (_, members) = await carol.GetAsync($"/api/organizations/{orgId}/members");
        Assert.Contains(members.EnumerateArray(), m => m.GetProperty("userId").GetGuid() == carolId && m.GetProperty("role").GetString() == "owner");

        // A second token of the same (issuer, subject) is the same user.
        using var again = host.Client();
        again.UseBearer(await AccessTokenAsync(idp.Issuer, "carol", "urn:nexodus:api"));
        Assert.Equal(carolId, (await again.GetAsync("/api/me")).Body.GetProperty("id").GetGuid());

        // Same software, same development signing key, same subject: only the issuer differs, and control does not know it.
        await AssertRefusedAsync(host, await AccessTokenAsync(stranger.Issuer, "carol", "urn:nexodus:api"), orgId);

        // A token for another API (aud other-api) is not a credential here.
        await AssertRefusedAsync(host, await AccessTokenAsync(idp.Issuer, "carol", "urn:other:api"), orgId);

        // An expired token (1 s lifetime, no clock skew configured) is refused; before expiry it worked.
        var shortLived = await AccessTokenAsync(idp.Issuer, "carol", "urn:nexodus:api:short");
        var exp = DateTimeOffset.FromUnixTimeSeconds(Claims(shortLived).GetProperty("exp").GetInt64());
        var wait = exp - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(1500);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }

        await AssertRefusedAsync(host, shortLived, orgId);
    }

    private static async Task AssertRefusedAsync(ControlHost host, string token, Guid orgId)
    {
        using var c = host.Client();
        c.UseBearer(token);
        foreach (var path in new[] { "/api/me", $"/api/organizations/{orgId}", "/api/organizations" })
        {
            using var res = await c.Http.GetAsync(path);
            var text = await res.Content.ReadAsStringAsync();
            Assert.True(res.StatusCode == HttpStatusCode.Unauthorized, $"{path}: {res.StatusCode} {text}");
            Assert.DoesNotContain(orgId.ToString(), text, StringComparison.OrdinalIgnoreCase);
        }
    }

    private static JsonElement Claims(string jwt)
    {
        var payload = jwt.Split('.')[1].Replace('-', '+').Replace('_', '/');
        payload = payload.PadRight(payload.Length + ((4 - (payload.Length % 4)) % 4), '=');
        return JsonDocument.Parse(Convert.FromBase64String(payload)).RootElement.Clone();
    }

    /// <summary>Authorization code + PKCE at the external provider, playing the browser on its development login and consent pages.</summary>
    private static async Task<string> AccessTokenAsync(string issuer, string login, string resource)
    {
        using var http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false, UseCookies = true })
        {
            Timeout = TimeSpan.FromSeconds(30),
        };
        var verifier = ControlClient.Base64Url(RandomNumberGenerator.GetBytes(32));
        var challenge = ControlClient.Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        var url = new Uri($"{issuer}/auth?client_id={ApiClient}&response_type=code&redirect_uri={Uri.EscapeDataString(ApiRedirect)}"
            + $"&scope={Uri.EscapeDataString("openid api")}&resource={Uri.EscapeDataString(resource)}&code_challenge={challenge}&code_challenge_method=S256&state=s1");
        for (var step = 0; step < 20; step++)
        {
            using var res = await http.GetAsync(url);
            if ((int)res.StatusCode is >= 300 and < 400 && res.Headers.Location is { } next)
            {
                url = next.IsAbsoluteUri ? next : new Uri(url, next);
                if (url.ToString().StartsWith(ApiRedirect, StringComparison.Ordinal))
                {
                    return await RedeemAsync(http, issuer, System.Web.HttpUtility.ParseQueryString(url.Query)["code"]!, verifier, resource);
                }

                continue;
            }

            // An interaction page: log in, or consent.
            var page = await res.Content.ReadAsStringAsync();
            var action = new Uri(url, WebUtility.HtmlDecode(FormAction().Match(page).Groups[1].Value));
            using var form = new FormUrlEncodedContent(page.Contains("name=\"login\"", StringComparison.Ordinal)
                ? new Dictionary<string, string> { ["prompt"] = "login", ["login"] = login, ["password"] = "any" }
                : new Dictionary<string, string> { ["prompt"] = "consent" });
            using var posted = await http.PostAsync(action, form);
            Assert.True(posted.Headers.Location is not null, $"{posted.StatusCode}: {await posted.Content.ReadAsStringAsync()}");
            url = posted.Headers.Location.IsAbsoluteUri ? posted.Headers.Location : new Uri(action, posted.Headers.Location);
        }

        throw new InvalidOperationException("the provider's login did not end at the redirect URI");
    }

    private static async Task<string> RedeemAsync(HttpClient http, string issuer, string code, string verifier, string resource)
    {
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["redirect_uri"] = ApiRedirect,
            ["client_id"] = ApiClient,
            ["code_verifier"] = verifier,
            ["resource"] = resource,
        });
        using var res = await http.PostAsync(issuer + "/token", form);
        var body = await res.Content.ReadAsStringAsync();
        Assert.True(res.IsSuccessStatusCode, body);
        var token = JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()!;
        Assert.Equal(3, token.Split('.').Length);
        return token;
    }

    [GeneratedRegex("<form[^>]*action=\"([^\"]+)\"")]
    private static partial Regex FormAction();
}

public sealed class ExternalBearerTestsSqlite() : ExternalBearerTests(DbProvider.Sqlite);

public sealed class ExternalBearerTestsPostgres() : ExternalBearerTests(DbProvider.Postgres);
