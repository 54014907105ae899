using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Web;
using Xunit;

namespace Nexodus.Mesh.TestDoubles.Control;

/// <summary>
/// Signs the built-in admin in to a running control process the way a person would: the login form (with its
/// antiforgery token and a cookie), then the authorization code flow with PKCE for the CLI client, leaving the
/// access token on <paramref name="http"/>. Used by every lab that drives the real `nexodus-control` binary.
/// </summary>
public static partial class ControlAdminSession
{
    public const string CliClientId = "nexctl";

    /// <param name="http">A client with cookies on and redirects off, whose base address is control.</param>
    public static async Task SignInAsync(HttpClient http, string password)
    {
        var page = await http.GetStringAsync("/account/login");
        using (var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = AntiforgeryToken(page),
            ["username"] = "admin",
            ["password"] = password,
            ["returnUrl"] = "/account/done",
        }))
        using (var res = await http.PostAsync("/account/login", form))
        {
            Assert.Equal(HttpStatusCode.Redirect, res.StatusCode);
        }

        var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
        var challenge = Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        var authorize = $"/connect/authorize?client_id={CliClientId}&response_type=code&redirect_uri=" + Uri.EscapeDataString("http://127.0.0.1/callback")
            + "&scope=" + Uri.EscapeDataString("openid api offline_access") + "&code_challenge=" + challenge + "&code_challenge_method=S256&state=s";
        using var redirect = await http.GetAsync(authorize);
        var code = HttpUtility.ParseQueryString(redirect.Headers.Location!.Query)["code"]!;
        using var tokenForm = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["redirect_uri"] = "http://127.0.0.1/callback",
            ["client_id"] = CliClientId,
            ["code_verifier"] = verifier,
        });
        using var token = await http.PostAsync("/connect/token", tokenForm);
        var text = await token.Content.ReadAsStringAsync();
        Assert.True(token.IsSuccessStatusCode, text);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", JsonDocument.Parse(text).RootElement.GetProperty("access_token").GetString());
    }

    /// <summary>The antiforgery token of the first form on <paramref name="page"/>.</summary>
    public static string AntiforgeryToken(string page) => WebUtility.HtmlDecode(AntiforgeryRegex().Match(page).Groups[1].Value);

    private static string Base64Url(byte[] b) => Convert.ToBase64String(b).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [GeneratedRegex("name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryRegex();
}
