using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Nexodus.Mesh.Control.Bench;

/// <summary>
/// Signs in as the first admin the way a browser and nexctl would (login form, then authorization code + PKCE
/// against the embedded provider) and creates the multi-use registration key the simulated devices enroll with.
/// </summary>
internal sealed partial class AdminSession : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly HttpClient _http;

    private AdminSession(HttpClient http) => _http = http;

    public static async Task<AdminSession> LoginAsync(Uri control, string password)
    {
        var http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false, UseCookies = true })
        {
            BaseAddress = control,
            Timeout = TimeSpan.FromSeconds(60),
        };
        var page = await http.GetStringAsync("/account/login");
        var af = AntiforgeryRegex().Match(page) is { Success: true } m ? WebUtility.HtmlDecode(m.Groups[1].Value) : throw new InvalidOperationException("no antiforgery token on the login page");
        using (var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = af,
            ["username"] = "admin",
            ["password"] = password,
            ["returnUrl"] = "/account/done",
        }))
        {
            using var res = await http.PostAsync("/account/login", form);
            if (res.StatusCode != HttpStatusCode.Redirect)
            {
                throw new InvalidOperationException($"login failed: {(int)res.StatusCode}");
            }
        }

        var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
        var challenge = Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        var redirect = "http://127.0.0.1/callback";
        var authorize = "/connect/authorize?client_id=nexctl&response_type=code&redirect_uri=" + Uri.EscapeDataString(redirect)
            + "&scope=" + Uri.EscapeDataString("openid api offline_access") + "&code_challenge=" + challenge + "&code_challenge_method=S256&state=bench";
        string code;
        using (var res = await http.GetAsync(authorize))
        {
            var location = res.Headers.Location ?? throw new InvalidOperationException($"authorize: {(int)res.StatusCode} without redirect");
            code = System.Web.HttpUtility.ParseQueryString(location.Query)["code"] ?? throw new InvalidOperationException("authorize: no code in " + location);
        }

        using var tokenReq = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["redirect_uri"] = redirect,
            ["client_id"] = "nexctl",
            ["code_verifier"] = verifier,
        });
        using var tokenRes = await http.PostAsync("/connect/token", tokenReq);
        var body = await tokenRes.Content.ReadAsStringAsync();
        if (!tokenRes.IsSuccessStatusCode)
        {
            throw new InvalidOperationException("token: " + body);
        }

        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString());
        return new AdminSession(http);
    }

    /// <summary>A new organization's default VPC (allow-all default security group).</summary>
    public async Task<Guid> NewOrganizationVpcAsync(string name)
    {
        using var res = await _http.PostAsJsonAsync("/api/organizations", new { name }, Json);
        var org = await res.Content.ReadFromJsonAsync<JsonElement>(Json);
        if (res.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"organization: {(int)res.StatusCode} {org}");
        }

        var vpcs = await _http.GetFromJsonAsync<JsonElement>($"/api/vpcs?organizationId={org.GetProperty("id").GetGuid()}", Json);
        return vpcs[0].GetProperty("id").GetGuid();
    }

    public async Task<string> MultiUseKeyAsync(Guid vpcId)
    {
        using var res = await _http.PostAsJsonAsync("/api/registration-keys", new { vpcId, singleUse = false }, Json);
        var body = await res.Content.ReadFromJsonAsync<JsonElement>(Json);
        if (res.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"registration key: {(int)res.StatusCode} {body}");
        }

        return body.GetProperty("secret").GetString()!;
    }

    /// <summary>Scrapes one gauge of the control's Prometheus endpoint (no authentication needed).</summary>
    public async Task<double> MetricAsync(string name)
    {
        var text = await _http.GetStringAsync("/metrics");
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(name + " ", StringComparison.Ordinal))
            {
                return double.Parse(line[(name.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return double.NaN;
    }

    public void Dispose() => _http.Dispose();

    private static string Base64Url(byte[] b) => Convert.ToBase64String(b).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryRegex();
}
