using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Nexodus.Mesh.Control.Tests.Infrastructure;

/// <summary>HTTP client for tests, playing the browser where a flow needs one (login form, approval page).</summary>
internal sealed partial class ControlClient : IDisposable
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public ControlClient(Uri baseAddress)
    {
        Cookies = new CookieContainer();
        Http = new HttpClient(new HttpClientHandler { CookieContainer = Cookies, AllowAutoRedirect = false, UseCookies = true })
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromSeconds(60),
        };
    }

    public HttpClient Http { get; }

    public CookieContainer Cookies { get; }

    public void UseBearer(string token) => Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

    public void UseDevice(string credential) => Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Device", credential);

    /// <summary>Signs in on the login form (keeps the cookie).</summary>
    public async Task LoginFormAsync(string user, string password)
    {
        var page = await Http.GetStringAsync("/account/login");
        var token = AntiforgeryToken(page);
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["username"] = user,
            ["password"] = password,
            ["returnUrl"] = "/account/done",
        });
        using var res = await Http.PostAsync("/account/login", form);
        Assert.Equal(HttpStatusCode.Redirect, res.StatusCode);
    }

    /// <summary>Authorization code + PKCE against the embedded provider; returns the access token and uses it.</summary>
    public async Task<string> LoginAsync(string user, string password)
    {
        await LoginFormAsync(user, password);
        return await AuthorizeWithCookieAsync();
    }

    /// <summary>Code + PKCE against the embedded provider using the login cookie already held.</summary>
    public async Task<string> AuthorizeWithCookieAsync()
    {
        var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
        var challenge = Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        var authorize = "/connect/authorize?client_id=nexctl&response_type=code&redirect_uri=" + Uri.EscapeDataString("http://127.0.0.1/callback")
            + "&scope=" + Uri.EscapeDataString("openid api offline_access") + "&code_challenge=" + challenge + "&code_challenge_method=S256&state=st1";
        using var res = await Http.GetAsync(authorize);
        Assert.Equal(HttpStatusCode.Redirect, res.StatusCode);
        var location = res.Headers.Location!;
        Assert.StartsWith("http://127.0.0.1/callback", location.ToString(), StringComparison.Ordinal);
        var code = System.Web.HttpUtility.ParseQueryString(location.Query)["code"]!;
        using var tokenReq = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["redirect_uri"] = "http://127.0.0.1/callback",
            ["client_id"] = "nexctl",
            ["code_verifier"] = verifier,
        });
        using var tokenRes = await Http.PostAsync("/connect/token", tokenReq);
        var body = await tokenRes.Content.ReadAsStringAsync();
        Assert.True(tokenRes.IsSuccessStatusCode, body);
        var accessToken = JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()!;
        UseBearer(accessToken);
        return accessToken;
    }

    public static string AntiforgeryToken(string html) =>
        AntiforgeryRegex().Match(html) is { Success: true } m ? WebUtility.HtmlDecode(m.Groups[1].Value) : throw new InvalidOperationException("no antiforgery token in page");

    public static string Base64Url(byte[] b) => Convert.ToBase64String(b).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpMethod method, string path, object? body = null)
    {
        using var req = new HttpRequestMessage(method, path);
        if (body is string raw)
        {
            req.Content = new StringContent(raw, Encoding.UTF8, "application/json");
        }
        else if (body is not null)
        {
            req.Content = JsonContent.Create(body, options: Json);
        }

        using var res = await Http.SendAsync(req);
        var text = await res.Content.ReadAsStringAsync();
        var json = string.IsNullOrWhiteSpace(text) ? default : JsonDocument.Parse(text).RootElement.Clone();
        return (res.StatusCode, json);
    }

    public Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(string path) => SendAsync(HttpMethod.Get, path);

    public Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string path, object? body) => SendAsync(HttpMethod.Post, path, body);

    public void Dispose() => Http.Dispose();

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryRegex();
}
