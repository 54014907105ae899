using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Nexodus.Mesh.Control.Tests.Infrastructure;

namespace Nexodus.Mesh.Control.Tests;

public abstract class ApiTests(HostFixture fixture)
{
    private ControlHost Host => fixture.Host;

    [Fact]
    public async Task Me_AfterCodePkceLogin_ReturnsUserAndOrganizations()
    {
        using var admin = await World.AdminAsync(Host);
        var (orgId, _) = await World.OrgAsync(admin, "acme");
        var (status, me) = await admin.GetAsync("/api/me");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(me.GetProperty("isServerAdmin").GetBoolean());
        Assert.Contains(me.GetProperty("organizations").EnumerateArray(), o => o.GetProperty("id").GetGuid() == orgId && o.GetProperty("role").GetString() == "owner");
    }

    [Fact]
    public async Task Api_WithoutToken_Is401_AndGarbageTokenIs401()
    {
        using var anon = Host.Client();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anon.GetAsync("/api/me")).Status);
        anon.UseBearer("not-a-token");
        Assert.Equal(HttpStatusCode.Unauthorized, (await anon.GetAsync("/api/organizations")).Status);
        anon.UseDevice("ndc_garbage");
        Assert.Equal(HttpStatusCode.Unauthorized, (await anon.GetAsync("/api/device")).Status);
    }

    [Theory]
    [InlineData("{\"organizationId\": \"ORG\", \"name\": \"v\", \"ipv4Cidr\": \"10.0.0.1/8\"}", "ipv4Cidr")]
    [InlineData("{\"organizationId\": \"ORG\", \"name\": \"v\", \"ipv4Cidr\": \"300.0.0.0/8\"}", "ipv4Cidr")]
    [InlineData("{\"organizationId\": \"ORG\", \"name\": \"v\", \"ipv4Cidr\": \"fd00::/64\"}", "ipv4Cidr")]
    [InlineData("{\"organizationId\": \"ORG\", \"name\": \"\"}", "name")]
    [InlineData("{\"organizationId\": \"ORG\", \"name\": 42}", "name")]
    [InlineData("{\"organizationId\": \"ORG\", \"name\": \"v\", \"bogus\": 1}", "bogus")]
    [InlineData("{\"organizationId\": \"ORG\", \"name\": \"v\"", "body")]
    [InlineData("[1,2,3]", "body")]
    [InlineData("{\"organizationId\": \"ORG\", \"name\": \"v\", \"dnsDomain\": \"bad domain!\"}", "dnsDomain")]
    public async Task CreateVpc_InvalidInput_Is400NamingTheField(string json, string field)
    {
        using var admin = await World.AdminAsync(Host);
        var (orgId, _) = await World.OrgAsync(admin, "val");
        var (status, body) = await admin.PostAsync("/api/vpcs", json.Replace("ORG", orgId.ToString(), StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(body.GetProperty("errors").TryGetProperty(field, out _), body.ToString());
    }

    [Fact]
    public async Task HugeBody_Is413_NotA500()
    {
        using var admin = await World.AdminAsync(Host);
        var big = "{\"name\": \"" + new string('a', 2 * 1024 * 1024) + "\"}";
        using var req = new HttpRequestMessage(HttpMethod.Post, "/api/organizations") { Content = new StringContent(big, System.Text.Encoding.UTF8, "application/json") };
        // Announce the body (Expect: 100-continue) so the 413 arrives before the upload: without it the answer races
        // the 2 MiB upload and, on a loaded machine, the client sometimes saw only the connection reset (2 of 2 full
        // suite runs, 0 of 4 runs of this class alone).
        req.Headers.ExpectContinue = true;
        using var res = await admin.Http.SendAsync(req);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, res.StatusCode);
    }

    [Fact]
    public async Task SecurityGroup_InvalidRules_Are400WithRulePath()
    {
        using var admin = await World.AdminAsync(Host);
        var (_, vpcId) = await World.OrgAsync(admin, "sg");
        var (status, body) = await admin.PostAsync("/api/security-groups", new
        {
            vpcId,
            name = "web",
            inboundRules = new object[]
            {
                new { protocol = "tcp", fromPort = 443, toPort = 80, cidrs = new[] { "10.0.0.0/8" } },
                new { protocol = "gre", fromPort = 0, toPort = 0, cidrs = new[] { "nonsense" } },
                new { protocol = "tcp", fromPort = 1, toPort = 2, securityGroupIds = new[] { Guid.NewGuid() } },
            },
        });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        var errors = body.GetProperty("errors");
        Assert.True(errors.TryGetProperty("inboundRules[0].fromPort", out _));
        Assert.True(errors.TryGetProperty("inboundRules[1].protocol", out _));
        Assert.True(errors.TryGetProperty("inboundRules[1].cidrs[0]", out _));
        Assert.True(errors.TryGetProperty("inboundRules[2].securityGroupIds[0]", out _));
    }

    [Fact]
    public async Task CrossTenant_OtherOrganizationSeesNothing_AndMemberCannotAdminister()
    {
        using var admin = await World.AdminAsync(Host);
        var (alice, _) = await World.UserAsync(Host, admin, "alice");
        var (bob, bobId) = await World.UserAsync(Host, admin, "bob");
        using var a = alice;
        using var b = bob;
        var (orgA, vpcA) = await World.OrgAsync(alice, "alice-org");
        var key = await World.RegistrationKeyAsync(alice, vpcA, singleUse: false);
        var node = await World.EnrollAsync(Host, key, "a1");
        var (_, sgs) = await alice.GetAsync($"/api/security-groups?vpcId={vpcA}");
        var sgId = sgs[0].GetProperty("id").GetGuid();
        var (_, keys) = await alice.GetAsync($"/api/registration-keys?vpcId={vpcA}");
        var keyId = keys[0].GetProperty("id").GetGuid();

        string[] reads =
        [
            $"/api/organizations/{orgA}", $"/api/organizations/{orgA}/members", $"/api/organizations/{orgA}/invitations", $"/api/vpcs/{vpcA}",
            $"/api/devices/{node.DeviceId}", $"/api/devices/{node.DeviceId}/metadata", $"/api/security-groups/{sgId}",
            $"/api/registration-keys/{keyId}", $"/api/audit-events?organizationId={orgA}",
        ];
        foreach (var path in reads)
        {
            var (status, _) = await bob.GetAsync(path);
            Assert.True(status == HttpStatusCode.NotFound, $"{path}: {status}");
        }

        foreach (var list in new[] { "/api/organizations", "/api/vpcs", "/api/devices", "/api/security-groups", "/api/registration-keys" })
        {
            var (status, body) = await bob.GetAsync(list);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.DoesNotContain(orgA.ToString(), body.ToString(), StringComparison.OrdinalIgnoreCase);
        }

        (HttpMethod Method, string Path, object? Body)[] writes =
        [
            (HttpMethod.Patch, $"/api/organizations/{orgA}", new { name = "pwned" }),
            (HttpMethod.Delete, $"/api/organizations/{orgA}", null),
            (HttpMethod.Post, $"/api/organizations/{orgA}/invitations", new { userId = bobId }),
            (HttpMethod.Patch, $"/api/vpcs/{vpcA}", new { name = "pwned" }),
            (HttpMethod.Patch, $"/api/devices/{node.DeviceId}", new { hostname = "pwned" }),
            (HttpMethod.Put, $"/api/devices/{node.DeviceId}/metadata", new Dictionary<string, string> { ["a"] = "b" }),
            (HttpMethod.Put, $"/api/security-groups/{sgId}", new { name = "pwned" }),
            (HttpMethod.Delete, $"/api/security-groups/{sgId}", null),
            (HttpMethod.Delete, $"/api/registration-keys/{keyId}", null),
            (HttpMethod.Post, "/api/security-groups", new { vpcId = vpcA, name = "x" }),
            (HttpMethod.Post, "/api/relay-regions", new { id = 900, organizationId = orgA, code = "x", name = "x" }),
        ];
        foreach (var (method, path, payload) in writes)
        {
            var (status, _) = await bob.SendAsync(method, path, payload);
            Assert.True(status is HttpStatusCode.NotFound or HttpStatusCode.Forbidden, $"{method} {path}: {status}");
        }

        // Nothing changed on Alice's side.
        Assert.Equal("alice-org", (await alice.GetAsync($"/api/organizations/{orgA}")).Body.GetProperty("name").GetString());
        Assert.Equal("a1", (await alice.GetAsync($"/api/devices/{node.DeviceId}")).Body.GetProperty("hostname").GetString());
        Assert.Equal(HttpStatusCode.OK, (await alice.GetAsync($"/api/security-groups/{sgId}")).Status);
        Assert.False((await alice.GetAsync($"/api/registration-keys/{keyId}")).Body.GetProperty("revoked").GetBoolean());

        Assert.Equal(HttpStatusCode.NotFound, (await bob.SendAsync(HttpMethod.Delete, $"/api/devices/{node.DeviceId}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.SendAsync(HttpMethod.Delete, $"/api/vpcs/{vpcA}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.PostAsync("/api/vpcs", new { organizationId = orgA, name = "x" })).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.PostAsync("/api/registration-keys", new { vpcId = vpcA })).Status);

        // Bob joins as a plain member: reads work, administration is 403.
        var (invStatus, inv) = await alice.PostAsync($"/api/organizations/{orgA}/invitations", new { userId = bobId, role = "member" });
        Assert.Equal(HttpStatusCode.Created, invStatus);
        var (_, mine) = await bob.GetAsync("/api/invitations");
        Assert.Contains(mine.EnumerateArray(), i => i.GetProperty("id").GetGuid() == inv.GetProperty("id").GetGuid());
        Assert.Equal(HttpStatusCode.NoContent, (await bob.PostAsync($"/api/invitations/{inv.GetProperty("id").GetGuid()}/accept", null)).Status);
        Assert.Equal(HttpStatusCode.OK, (await bob.GetAsync($"/api/vpcs/{vpcA}")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await bob.PostAsync("/api/vpcs", new { organizationId = orgA, name = "x" })).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await bob.PostAsync("/api/registration-keys", new { vpcId = vpcA })).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await bob.GetAsync($"/api/registration-keys/{keyId}")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await bob.SendAsync(HttpMethod.Delete, $"/api/devices/{node.DeviceId}")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await bob.GetAsync($"/api/audit-events?organizationId={orgA}")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await bob.SendAsync(HttpMethod.Patch, $"/api/organizations/{orgA}", new { name = "pwned" })).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await bob.SendAsync(HttpMethod.Put, $"/api/security-groups/{sgId}", new { name = "pwned" })).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await bob.SendAsync(HttpMethod.Delete, $"/api/organizations/{orgA}/members/{(await alice.GetAsync("/api/me")).Body.GetProperty("id").GetGuid()}")).Status);

        // A device sees only its own VPC.
        var ownOrg = await World.OrgAsync(bob, "bob-org");
        var bobKey = await World.RegistrationKeyAsync(bob, ownOrg.VpcId, singleUse: true);
        var bobNode = await World.EnrollAsync(Host, bobKey, "b1");
        var (selfStatus, self) = await bobNode.Client.GetAsync("/api/device");
        Assert.Equal(HttpStatusCode.OK, selfStatus);
        Assert.Equal(bobNode.DeviceId, self.GetProperty("id").GetGuid());
        Assert.Equal(HttpStatusCode.Forbidden, (await bobNode.Client.GetAsync($"/api/devices/{node.DeviceId}")).Status);
    }

    [Fact]
    public async Task OpenApiDocument_ListsTheApi()
    {
        using var anon = Host.Client();
        var (status, doc) = await anon.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, status);
        var paths = doc.GetProperty("paths");
        foreach (var p in new[] { "/api/organizations", "/api/vpcs", "/api/devices", "/api/enroll", "/api/security-groups", "/api/registration-keys" })
        {
            Assert.True(paths.TryGetProperty(p, out _) || paths.TryGetProperty(p + "/", out _), p);
        }
    }

    [Fact]
    public void Migrations_MatchTheModel()
    {
        using var scope = Host.App.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<Nexodus.Mesh.Control.Storage.ControlDbContext>();
        Assert.False(db.Database.HasPendingModelChanges(), "run dotnet ef migrations add for both contexts");
        Assert.Empty(db.Database.GetPendingMigrations());
    }

    [Fact]
    public async Task Health_And_Metrics_Respond()
    {
        using var anon = Host.Client();
        Assert.Equal(HttpStatusCode.OK, (await anon.Http.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anon.Http.GetAsync("/readyz")).StatusCode);
        var metrics = await anon.Http.GetStringAsync("/metrics");
        Assert.Contains("http_requests_received_total", metrics, StringComparison.Ordinal);
    }
}

public sealed class ApiTestsSqlite(SqliteHostFixture f) : ApiTests(f), IClassFixture<SqliteHostFixture>;

public sealed class ApiTestsPostgres(PostgresHostFixture f) : ApiTests(f), IClassFixture<PostgresHostFixture>;
