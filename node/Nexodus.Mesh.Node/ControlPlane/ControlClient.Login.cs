using System.Net.Http.Headers;
using System.Text.Json;

namespace Nexodus.Mesh.Node.ControlPlane;

/// <summary>
/// Interactive login: the OAuth 2.0 device authorization grant (RFC 8628) against control's embedded provider, then
/// the VPCs the signed-in user may enroll into.
/// </summary>
internal sealed partial class ControlClient
{
    /// <summary>The public client nexd and nexctl use at control's provider.</summary>
    public const string CliClientId = "nexctl";

    private const string DeviceCodeGrant = "urn:ietf:params:oauth:grant-type:device_code";

    /// <summary>POST /connect/device (RFC 8628 §3.1), telling the approval page who is asking.</summary>
    public async Task<DeviceAuthorization> StartDeviceLoginAsync(string deviceName, string os, string nodeKey, CancellationToken cancel)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, "/connect/device")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["client_id"] = CliClientId,
                ["scope"] = "openid api offline_access",
                ["device_name"] = deviceName,
                ["device_os"] = os,
                ["node_key"] = nodeKey,
            }),
        };
        using var response = await SendAsync(message, HttpCompletionOption.ResponseContentRead, TimeSpan.FromSeconds(20), cancel);
        var body = await ReadOAuthBodyAsync(response, cancel);
        if (!response.IsSuccessStatusCode)
        {
            throw OAuthError(response, body, "device login");
        }

        var deviceCode = String(body, "device_code");
        var userCode = String(body, "user_code");
        var verificationUri = String(body, "verification_uri");
        if (deviceCode is null || userCode is null || verificationUri is null)
        {
            throw new ControlUnreachableException("control's device authorization answer lacks device_code, user_code or verification_uri");
        }

        return new DeviceAuthorization(
            deviceCode,
            userCode,
            Absolute(verificationUri),
            String(body, "verification_uri_complete") is { } complete ? Absolute(complete) : null,
            TimeSpan.FromSeconds(Number(body, "expires_in") ?? 600),
            TimeSpan.FromSeconds(Math.Max(1, Number(body, "interval") ?? 5)));
    }

    /// <summary>
    /// POST /connect/token with the device code (RFC 8628 §3.4) once. Returns the access token, or null while the
    /// human has not decided yet; <paramref name="slowDown"/> is set when the server asked for a longer interval.
    /// Throws <see cref="ControlRefusedException"/> when the login was denied or the code expired.
    /// </summary>
    public async Task<string?> PollDeviceLoginAsync(string deviceCode, Action slowDown, CancellationToken cancel)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, "/connect/token")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = DeviceCodeGrant,
                ["device_code"] = deviceCode,
                ["client_id"] = CliClientId,
            }),
        };
        using var response = await SendAsync(message, HttpCompletionOption.ResponseContentRead, TimeSpan.FromSeconds(20), cancel);
        var body = await ReadOAuthBodyAsync(response, cancel);
        if (response.IsSuccessStatusCode)
        {
            return String(body, "access_token") ?? throw new ControlUnreachableException("control's token answer lacks access_token");
        }

        switch (String(body, "error"))
        {
            case "authorization_pending":
                return null;
            case "slow_down":
                slowDown();
                return null;
            case "access_denied":
                throw new ControlRefusedException((int)response.StatusCode, "the login was denied on the approval page");
            case "expired_token":
                throw new ControlRefusedException((int)response.StatusCode, "the login code expired before it was approved");
            default:
                throw OAuthError(response, body, "device login");
        }
    }

    /// <summary>GET /api/vpcs with the user's token: the VPCs of every organization the user belongs to.</summary>
    public async Task<IReadOnlyList<VpcChoice>> ListVpcsAsync(string bearerToken, CancellationToken cancel)
    {
        using var message = new HttpRequestMessage(HttpMethod.Get, "/api/vpcs");
        message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearerToken);
        using var response = await SendAsync(message, HttpCompletionOption.ResponseContentRead, TimeSpan.FromSeconds(20), cancel);
        await ThrowIfFailedAsync(response, cancel);
        var vpcs = new List<VpcChoice>();
        try
        {
            using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancel));
            if (doc.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw new ControlUnreachableException("control's VPC list is not a JSON array");
            }

            foreach (var item in doc.RootElement.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.Object
                    && item.TryGetProperty("id", out var id) && id.TryGetGuid(out var vpcId)
                    && item.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String)
                {
                    vpcs.Add(new VpcChoice(vpcId, name.GetString()!));
                }
            }
        }
        catch (JsonException e)
        {
            throw new ControlUnreachableException("control sent a malformed VPC list: " + e.Message, e);
        }

        return vpcs;
    }

    private Uri Absolute(string uri) => Uri.TryCreate(uri, UriKind.Absolute, out var absolute) ? absolute : new Uri(BaseUrl, uri);

    private static async Task<JsonElement> ReadOAuthBodyAsync(HttpResponseMessage response, CancellationToken cancel)
    {
        try
        {
            using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancel));
            return doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            return default;
        }
    }

    private static Exception OAuthError(HttpResponseMessage response, JsonElement body, string what)
    {
        var status = (int)response.StatusCode;
        var error = String(body, "error");
        var description = String(body, "error_description");
        var detail = $"{what}: control answered {status}{(error is null ? "" : " " + error)}{(description is null ? "" : ": " + description)}";
        return status >= 500 || status == 0 ? new ControlUnreachableException(detail) : new ControlRefusedException(status, detail);
    }

    private static string? String(JsonElement body, string name) =>
        body.ValueKind == JsonValueKind.Object && body.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static double? Number(JsonElement body, string name) =>
        body.ValueKind == JsonValueKind.Object && body.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var d) && d > 0 && d < 86_400 ? d : null;
}
