using System.Net;
using System.Text.Json;
using Nexodus.Mesh.Control.Tests.Infrastructure;
using Nexodus.Mesh.Core.Contracts;
using Nexodus.Mesh.Core.Keys;

namespace Nexodus.Mesh.Control.Tests;

public abstract class DeviceFlowTests(HostFixture fixture)
{
    private ControlHost Host => fixture.Host;

    [Fact]
    public async Task DeviceAuthorizationGrant_ApprovalPageShowsDevice_TokenEnrollsThatNodeKeyOnly()
    {
        using var admin = await World.AdminAsync(Host);
        var (_, vpcId) = await World.OrgAsync(admin, "devflow");
        using var nodeKey = PrivateKey.Generate();

        // nexd asks for a user code.
        using var nexd = Host.Client();
        using var req = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["client_id"] = "nexctl",
            ["scope"] = "openid api offline_access",
            ["device_name"] = "laptop-7",
            ["device_os"] = "linux",
            ["node_key"] = nodeKey.PublicKey.ToString(),
        });
        using var codeRes = await nexd.Http.PostAsync("/connect/device", req);
        var codeBody = JsonDocument.Parse(await codeRes.Content.ReadAsStringAsync()).RootElement;
        Assert.True(codeRes.IsSuccessStatusCode, codeBody.ToString());
        var deviceCode = codeBody.GetProperty("device_code").GetString()!;
        var userCode = codeBody.GetProperty("user_code").GetString()!;
        Assert.Contains("/connect/verify", codeBody.GetProperty("verification_uri").GetString(), StringComparison.Ordinal);

        // Polling before approval: authorization_pending.
        var (pendingStatus, pending) = await PollAsync(nexd, deviceCode);
        Assert.Equal(HttpStatusCode.BadRequest, pendingStatus);
        Assert.Equal("authorization_pending", pending.GetProperty("error").GetString());

        // The human (this test as a browser) opens the page while signed in and sees which machine asks.
        var page = await admin.Http.GetStringAsync("/connect/verify?user_code=" + Uri.EscapeDataString(userCode));
        Assert.Contains("laptop-7", page, StringComparison.Ordinal);
        Assert.Contains("linux", page, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1", page, StringComparison.Ordinal);
        Assert.Contains(WebUtility.HtmlEncode(nodeKey.PublicKey.Fingerprint()), page, StringComparison.Ordinal);
        using var approve = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = ControlClient.AntiforgeryToken(page),
            ["user_code"] = userCode,
            ["decision"] = "approve",
        });
        using var approveRes = await admin.Http.PostAsync("/connect/verify", approve);
        Assert.True((int)approveRes.StatusCode is 200 or 302, approveRes.StatusCode.ToString());

        var (okStatus, tokens) = await PollAsync(nexd, deviceCode);
        Assert.Equal(HttpStatusCode.OK, okStatus);
        nexd.UseBearer(tokens.GetProperty("access_token").GetString()!);
        var (meStatus, me) = await nexd.GetAsync("/api/me");
        Assert.Equal(HttpStatusCode.OK, meStatus);
        Assert.True(me.GetProperty("isServerAdmin").GetBoolean());

        // The token is bound to the node key the human approved.
        using var otherKey = PrivateKey.Generate();
        var (wrong, _) = await nexd.PostAsync("/api/enroll", new EnrollRequest { NodeKey = otherKey.PublicKey.ToString(), Hostname = "laptop-7", VpcId = vpcId });
        Assert.Equal(HttpStatusCode.Forbidden, wrong);
        var (right, _) = await nexd.PostAsync("/api/enroll", new EnrollRequest { NodeKey = nodeKey.PublicKey.ToString(), Hostname = "laptop-7", VpcId = vpcId });
        Assert.Equal(HttpStatusCode.Created, right);
    }

    private static async Task<(HttpStatusCode, JsonElement)> PollAsync(ControlClient c, string deviceCode)
    {
        using var poll = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "urn:ietf:params:oauth:grant-type:device_code",
            ["device_code"] = deviceCode,
            ["client_id"] = "nexctl",
        });
        using var res = await c.Http.PostAsync("/connect/token", poll);
        return (res.StatusCode, JsonDocument.Parse(await res.Content.ReadAsStringAsync()).RootElement.Clone());
    }
}

public sealed class DeviceFlowTestsSqlite(SqliteHostFixture f) : DeviceFlowTests(f), IClassFixture<SqliteHostFixture>;

public sealed class DeviceFlowTestsPostgres(PostgresHostFixture f) : DeviceFlowTests(f), IClassFixture<PostgresHostFixture>;
