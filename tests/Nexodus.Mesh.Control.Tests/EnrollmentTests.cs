using System.Net;
using Nexodus.Mesh.Control.Tests.Infrastructure;
using Nexodus.Mesh.Core.Contracts;
using Nexodus.Mesh.Core.Keys;

namespace Nexodus.Mesh.Control.Tests;

public abstract class EnrollmentTests(HostFixture fixture)
{
    private ControlHost Host => fixture.Host;

    [Fact]
    public async Task SingleUseKey_50ConcurrentEnrollments_ExactlyOneDevice()
    {
        using var admin = await World.AdminAsync(Host);
        var (_, vpcId) = await World.OrgAsync(admin, "race");
        var key = await World.RegistrationKeyAsync(admin, vpcId, singleUse: true);
        var attempts = Enumerable.Range(0, 50).Select(async i =>
        {
            using var c = Host.Client();
            using var nodeKey = PrivateKey.Generate();
            var (status, _) = await c.PostAsync("/api/enroll", new EnrollRequest { NodeKey = nodeKey.PublicKey.ToString(), Hostname = $"n{i}", RegistrationKey = key });
            return status;
        });
        var results = await Task.WhenAll(attempts);
        Assert.Single(results, s => s == HttpStatusCode.Created);
        Assert.All(results.Where(s => s != HttpStatusCode.Created), s => Assert.Equal(HttpStatusCode.Unauthorized, s));
        var (_, devices) = await admin.GetAsync($"/api/devices?vpcId={vpcId}");
        Assert.Equal(1, devices.GetArrayLength());
    }

    [Fact]
    public async Task MultiUseKey_Concurrent_UniqueAddresses_AndRequestedAddressConflictIs409()
    {
        using var admin = await World.AdminAsync(Host);
        var (_, vpcId) = await World.OrgAsync(admin, "multi");
        var key = await World.RegistrationKeyAsync(admin, vpcId, singleUse: false);
        var nodes = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => World.EnrollAsync(Host, key, $"m{i}")));
        Assert.Equal(10, nodes.Select(n => n.Ipv4).Distinct().Count());
        Assert.All(nodes, n => Assert.StartsWith("100.", n.Ipv4, StringComparison.Ordinal));

        using var c = Host.Client();
        using var k = PrivateKey.Generate();
        var (status, _) = await c.PostAsync("/api/enroll", new EnrollRequest { NodeKey = k.PublicKey.ToString(), Hostname = "wants", RegistrationKey = key, RequestedIpv4 = nodes[0].Ipv4 });
        Assert.Equal(HttpStatusCode.Conflict, status);
        (status, var body) = await c.PostAsync("/api/enroll", new EnrollRequest { NodeKey = k.PublicKey.ToString(), Hostname = "wants", RegistrationKey = key, RequestedIpv4 = "100.100.1.1" });
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("100.100.1.1", body.GetProperty("ipv4").GetString());
        Assert.StartsWith("fd", body.GetProperty("ipv6").GetString(), StringComparison.Ordinal);
        using var k2 = PrivateKey.Generate();
        (status, _) = await c.PostAsync("/api/enroll", new EnrollRequest { NodeKey = k2.PublicKey.ToString(), Hostname = "m0", RegistrationKey = key });
        Assert.Equal(HttpStatusCode.Conflict, status);
        (status, _) = await c.PostAsync("/api/enroll", new EnrollRequest { NodeKey = k2.PublicKey.ToString(), Hostname = "x", RegistrationKey = key, RequestedIpv4 = "8.8.8.8" });
        Assert.Equal(HttpStatusCode.BadRequest, status);
    }

    [Fact]
    public async Task Credential_IsSealedToNodeKey_AndRevokedKeyIsRefused()
    {
        using var admin = await World.AdminAsync(Host);
        var (_, vpcId) = await World.OrgAsync(admin, "cred");
        var key = await World.RegistrationKeyAsync(admin, vpcId, singleUse: false);
        var node = await World.EnrollAsync(Host, key, "c1");
        Assert.Equal(HttpStatusCode.OK, (await node.Client.GetAsync("/api/device")).Status);

        // Another key cannot open the sealed credential.
        using var c = Host.Client();
        using var nodeKey = PrivateKey.Generate();
        using var stranger = PrivateKey.Generate();
        var (_, body) = await c.PostAsync("/api/enroll", new EnrollRequest { NodeKey = nodeKey.PublicKey.ToString(), Hostname = "c2", RegistrationKey = key });
        Assert.False(SealedBox.TryOpen(stranger, Convert.FromBase64String(body.GetProperty("sealedCredential").GetString()!), out _));

        var (_, keys) = await admin.GetAsync($"/api/registration-keys?vpcId={vpcId}");
        Assert.All(keys.EnumerateArray(), k => Assert.Equal(System.Text.Json.JsonValueKind.Null, k.GetProperty("secret").ValueKind));
        Assert.Equal(HttpStatusCode.NoContent, (await admin.SendAsync(HttpMethod.Delete, $"/api/registration-keys/{keys[0].GetProperty("id").GetGuid()}")).Status);
        using var k3 = PrivateKey.Generate();
        var (status, refused) = await c.PostAsync("/api/enroll", new EnrollRequest { NodeKey = k3.PublicKey.ToString(), Hostname = "c3", RegistrationKey = key });
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("revoked", refused.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task ExpiredKey_Is401NamingTheExpiry_AndCreatesNoDevice()
    {
        using var admin = await World.AdminAsync(Host);
        var (_, vpcId) = await World.OrgAsync(admin, "expiry");
        var expiresAt = DateTimeOffset.UtcNow.AddSeconds(5);
        var (created, key) = await admin.PostAsync("/api/registration-keys", new { vpcId, singleUse = false, expiresAt });
        Assert.Equal(HttpStatusCode.Created, created);
        var secret = key.GetProperty("secret").GetString()!;

        // Good until it expires...
        await World.EnrollAsync(Host, secret, "before");
        var left = expiresAt - DateTimeOffset.UtcNow;
        if (left > TimeSpan.Zero)
        {
            await Task.Delay(left + TimeSpan.FromMilliseconds(200));
        }

        // ...then refused with the reason, and nothing is written.
        using var c = Host.Client();
        using var nodeKey = PrivateKey.Generate();
        var (status, body) = await c.PostAsync("/api/enroll", new EnrollRequest { NodeKey = nodeKey.PublicKey.ToString(), Hostname = "after", RegistrationKey = secret });
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("expired", body.GetProperty("reason").GetString());
        Assert.Equal("registrationKey", body.GetProperty("field").GetString());
        Assert.Contains("expired at", body.GetProperty("title").GetString(), StringComparison.Ordinal);
        var (_, devices) = await admin.GetAsync($"/api/devices?vpcId={vpcId}");
        Assert.Equal(["before"], devices.EnumerateArray().Select(d => d.GetProperty("hostname").GetString()));
        var (_, keyNow) = await admin.GetAsync($"/api/registration-keys/{key.GetProperty("id").GetGuid()}");
        Assert.Equal(1, keyNow.GetProperty("useCount").GetInt32());
    }

    [Fact]
    public async Task UsedSingleUseKey_AndUnknownKey_Are401WithTheirReason()
    {
        using var admin = await World.AdminAsync(Host);
        var (_, vpcId) = await World.OrgAsync(admin, "reasons");
        var key = await World.RegistrationKeyAsync(admin, vpcId, singleUse: true);
        await World.EnrollAsync(Host, key, "first");
        using var c = Host.Client();
        using var nodeKey = PrivateKey.Generate();
        var (status, body) = await c.PostAsync("/api/enroll", new EnrollRequest { NodeKey = nodeKey.PublicKey.ToString(), Hostname = "second", RegistrationKey = key });
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("used", body.GetProperty("reason").GetString());
        (status, body) = await c.PostAsync("/api/enroll", new EnrollRequest { NodeKey = nodeKey.PublicKey.ToString(), Hostname = "second", RegistrationKey = key[..^4] + "AAAA" });
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("unknown", body.GetProperty("reason").GetString());
    }
}

public sealed class EnrollmentTestsSqlite(SqliteHostFixture f) : EnrollmentTests(f), IClassFixture<SqliteHostFixture>;

public sealed class EnrollmentTestsPostgres(PostgresHostFixture f) : EnrollmentTests(f), IClassFixture<PostgresHostFixture>;
