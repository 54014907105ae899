using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Nexodus.Mesh.Control.Tests.Infrastructure;

namespace Nexodus.Mesh.Control.Tests;

/// <summary>
/// Browser login through an external OpenID provider (npm oidc-provider, certified) by authorization code + PKCE;
/// the user is then keyed by (issuer, subject) and gets embedded-provider tokens for the API.
/// </summary>
public abstract partial class ExternalOidcTests(DbProvider provider)
{
    [Fact]
    public async Task CodePkceLogin_AgainstOidcProvider_CreatesUserKeyedByIssuerAndSubject()
    {
        var port = FreePort();
        var callback = $"http://127.0.0.1:{port}/account/external/idp/callback";
        await using var idp = await OidcProviderProcess.StartAsync("nexodus-control", "test-secret-123", callback);
        await using var host = await ControlHost.StartAsync(provider, new()
        {
            ["Control:Listen"] = $"http://127.0.0.1:{port}",
            ["Control:ExternalIssuers:0:Name"] = "idp",
            ["Control:ExternalIssuers:0:Issuer"] = idp.Issuer,
            ["Control:ExternalIssuers:0:ClientId"] = "nexodus-control",
            ["Control:ExternalIssuers:0:ClientSecret"] = "test-secret-123",
            ["Control:ExternalIssuers:0:AllowHttp"] = "true",
        });
        using var browser = host.Client();

        // Control sends the browser to the provider with PKCE.
        var url = new Uri(host.BaseAddress, "/account/external/idp?returnUrl=/account/done");
        var (page, at) = await FollowAsync(browser, url);
        Assert.StartsWith(idp.Issuer, at.ToString(), StringComparison.Ordinal);
        Assert.Contains("name=\"login\"", page, StringComparison.Ordinal);

        // Provider login page, then its consent page.
        (page, at) = await SubmitAsync(browser, at, page, new() { ["prompt"] = "login", ["login"] = "alice", ["password"] = "whatever" });
        if (page.Contains("name=\"prompt\" value=\"consent\"", StringComparison.Ordinal))
        {
            (page, at) = await SubmitAsync(browser, at, page, new() { ["prompt"] = "consent" });
        }

        Assert.True(new Uri(host.BaseAddress, "/account/done") == at, at + "\n" + page);

        // The login cookie now backs the embedded provider's code + PKCE flow.
        await browser.AuthorizeWithCookieAsync();
        var (status, me) = await browser.GetAsync("/api/me");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(idp.Issuer, me.GetProperty("issuer").GetString());
        Assert.Equal("alice", me.GetProperty("subject").GetString());
        Assert.False(me.GetProperty("isServerAdmin").GetBoolean());
        var firstId = me.GetProperty("id").GetGuid();

        // Same (issuer, subject) again: same user, not a new one.
        using var again = host.Client();
        (page, at) = await FollowAsync(again, url);
        if (page.Contains("name=\"login\"", StringComparison.Ordinal))
        {
            (page, at) = await SubmitAsync(again, at, page, new() { ["prompt"] = "login", ["login"] = "alice", ["password"] = "x" });
        }

        if (page.Contains("name=\"prompt\" value=\"consent\"", StringComparison.Ordinal))
        {
            (page, at) = await SubmitAsync(again, at, page, new() { ["prompt"] = "consent" });
        }

        await again.AuthorizeWithCookieAsync();
        Assert.Equal(firstId, (await again.GetAsync("/api/me")).Body.GetProperty("id").GetGuid());
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private static async Task<(string Page, Uri At)> FollowAsync(ControlClient c, Uri url)
    {
        for (var i = 0; i < 20; i++)
        {
            using var res = await c.Http.GetAsync(url);
            if ((int)res.StatusCode is >= 300 and < 400 && res.Headers.Location is { } next)
            {
                url = next.IsAbsoluteUri ? next : new Uri(url, next);
                continue;
            }

            return (await res.Content.ReadAsStringAsync(), url);
        }

        throw new InvalidOperationException("too many redirects");
    }

    private static async Task<(string Page, Uri At)> SubmitAsync(ControlClient c, Uri at, string page, Dictionary<string, string> fields)
    {
        var action = WebUtility.HtmlDecode(FormAction().Match(page).Groups[1].Value);
        var target = new Uri(at, action);
        using var form = new FormUrlEncodedContent(fields);
        using var res = await c.Http.PostAsync(target, form);
        Assert.True((int)res.StatusCode is >= 300 and < 400, $"{res.StatusCode}: {await res.Content.ReadAsStringAsync()}");
        var next = res.Headers.Location!;
        return await FollowAsync(c, next.IsAbsoluteUri ? next : new Uri(target, next));
    }

    [GeneratedRegex("<form[^>]*action=\"([^\"]+)\"")]
    private static partial Regex FormAction();
}

public sealed class ExternalOidcTestsSqlite() : ExternalOidcTests(DbProvider.Sqlite);

public sealed class ExternalOidcTestsPostgres() : ExternalOidcTests(DbProvider.Postgres);
