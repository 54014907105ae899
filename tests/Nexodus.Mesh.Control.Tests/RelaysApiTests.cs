using System.Net;
using Nexodus.Mesh.Control.Tests.Infrastructure;
using Nexodus.Mesh.Core.Contracts;
using Nexodus.Mesh.Core.Keys;

namespace Nexodus.Mesh.Control.Tests;

/// <summary>Relay regions and nodes: the relay's key and certificate pin are validated, stored and reach every stream.</summary>
public abstract class RelaysApiTests(HostFixture fixture)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private static readonly string Pin = new('a', 64);

    private ControlHost Host => fixture.Host;

    [Theory]
    [InlineData("{\"name\":\"n1\",\"hostName\":\"relay.example.com\"}", "publicKey")]
    [InlineData("{\"name\":\"n1\",\"hostName\":\"relay.example.com\",\"publicKey\":\"short\"}", "publicKey")]
    [InlineData("{\"name\":\"n1\",\"hostName\":\"relay.example.com\",\"publicKey\":\"!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!=\"}", "publicKey")]
    [InlineData("{\"name\":\"n1\",\"hostName\":\"relay.example.com\",\"publicKey\":42}", "publicKey")]
    [InlineData("{\"name\":\"n1\",\"hostName\":\"relay.example.com\",\"publicKey\":\"KEY\",\"certificateSha256\":\"abc\"}", "certificateSha256")]
    [InlineData("{\"name\":\"n1\",\"hostName\":\"relay.example.com\",\"publicKey\":\"KEY\",\"certificateSha256\":\"zz" + "00000000000000000000000000000000000000000000000000000000000000\"}", "certificateSha256")]
    [InlineData("{\"name\":\"n1\",\"hostName\":\"relay.example.com\",\"publicKey\":\"KEY\",\"certificateSha256\":\"" + "0000000000000000000000000000000000000000000000000000000000000000ff\"}", "certificateSha256")]
    [InlineData("{\"name\":\"n1\",\"hostName\":\"relay.example.com\",\"publicKey\":\"KEY\",\"stunPort\":70000}", "stunPort")]
    public async Task AddNode_BadKeyOrPin_Is400NamingTheField(string json, string field)
    {
        using var admin = await World.AdminAsync(Host);
        var regionId = await RegionAsync(admin);
        var key = PrivateKey.Generate().PublicKey.ToString();
        var (status, body) = await admin.PostAsync($"/api/relay-regions/{regionId}/nodes", json.Replace("KEY", key, StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(body.GetProperty("errors").TryGetProperty(field, out _), body.ToString());
    }

    [Fact]
    public async Task AddUpdateDeleteNode_KeyAndPinReachStreamsAsRelayMapDeltas()
    {
        using var admin = await World.AdminAsync(Host);
        var (_, vpcId) = await World.OrgAsync(admin, "relaymap");
        var device = await World.EnrollAsync(Host, await World.RegistrationKeyAsync(admin, vpcId, singleUse: true), "rm1");
        await using var stream = await NetmapReader.OpenAsync(device.Client);
        await stream.NextAsync(Wait);
        var regionId = await RegionAsync(admin);

        // The pin is accepted the way openssl prints it (lowercase with colons) and stored in the relays' form.
        var key1 = PrivateKey.Generate().PublicKey.ToString();
        var colonPin = string.Join(':', Enumerable.Range(0, 32).Select(_ => "ab"));
        var (created, node) = await admin.PostAsync($"/api/relay-regions/{regionId}/nodes", new
        {
            name = "n1",
            hostName = "relay.example.com",
            relayPort = 443,
            publicKey = key1,
            certificateSha256 = colonPin,
        });
        Assert.Equal(HttpStatusCode.Created, created);
        Assert.Equal(key1, node.GetProperty("publicKey").GetString());
        Assert.Equal(string.Concat(Enumerable.Repeat("AB", 32)), node.GetProperty("certificateSha256").GetString());
        var nodeId = node.GetProperty("id").GetGuid();

        var added = await stream.WaitForAsync(m => Find(m, regionId) is not null, Wait);
        var info = Find(added, regionId)!;
        Assert.Equal(NetmapMessageTypes.Delta, added.Type);
        Assert.Equal(key1, info.PublicKey);
        Assert.Equal(string.Concat(Enumerable.Repeat("AB", 32)), info.CertificateSha256);

        // Key rotation (and dropping the pin: back to the system CA store) is one more delta.
        var key2 = PrivateKey.Generate().PublicKey.ToString();
        var (updated, _) = await admin.SendAsync(HttpMethod.Put, $"/api/relay-regions/{regionId}/nodes/{nodeId}", new
        {
            name = "n1",
            hostName = "relay.example.com",
            publicKey = key2,
        });
        Assert.Equal(HttpStatusCode.OK, updated);
        var rotated = await stream.WaitForAsync(m => Find(m, regionId)?.PublicKey == key2, Wait);
        Assert.Null(Find(rotated, regionId)!.CertificateSha256);
        Assert.True(rotated.Revision > added.Revision);

        var (bad, body) = await admin.SendAsync(HttpMethod.Put, $"/api/relay-regions/{regionId}/nodes/{nodeId}", new
        {
            name = "n1",
            hostName = "relay.example.com",
            publicKey = key2,
            certificateSha256 = "nope",
        });
        Assert.Equal(HttpStatusCode.BadRequest, bad);
        Assert.True(body.GetProperty("errors").TryGetProperty("certificateSha256", out _));

        Assert.Equal(HttpStatusCode.NoContent, (await admin.SendAsync(HttpMethod.Delete, $"/api/relay-regions/{regionId}/nodes/{nodeId}")).Status);
        await stream.WaitForAsync(
            m => m.RelayMap?.Regions.FirstOrDefault(r => r.RegionId == regionId) is { Nodes.Count: 0 }, Wait);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.SendAsync(HttpMethod.Delete, $"/api/relay-regions/{regionId}/nodes/{nodeId}")).Status);
    }

    [Fact]
    public async Task Nodes_OfGlobalRegion_NeedServerAdmin_OrgRegion_NeedsOrgAdmin()
    {
        using var admin = await World.AdminAsync(Host);
        var (user, _) = await World.UserAsync(Host, admin, "relayuser");
        using var u = user;
        var regionId = await RegionAsync(admin);
        var body = new { name = "n1", hostName = "relay.example.com", publicKey = PrivateKey.Generate().PublicKey.ToString(), certificateSha256 = Pin };
        Assert.Equal(HttpStatusCode.Forbidden, (await user.PostAsync($"/api/relay-regions/{regionId}/nodes", body)).Status);

        var (orgId, _) = await World.OrgAsync(user, "relay-operators");
        var orgRegion = Random.Shared.Next(20_000, 65_000);
        Assert.Equal(HttpStatusCode.Created, (await user.PostAsync("/api/relay-regions", new { id = orgRegion, organizationId = orgId, code = "own", name = "Own" })).Status);
        var (created, node) = await user.PostAsync($"/api/relay-regions/{orgRegion}/nodes", body);
        Assert.Equal(HttpStatusCode.Created, created);

        // Another organization's region does not exist for a stranger: 404, and its nodes are not listed.
        var (other, _) = await World.UserAsync(Host, admin, "stranger");
        using var o = other;
        Assert.Equal(HttpStatusCode.NotFound, (await other.PostAsync($"/api/relay-regions/{orgRegion}/nodes", body)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await other.SendAsync(HttpMethod.Put, $"/api/relay-regions/{orgRegion}/nodes/{node.GetProperty("id").GetGuid()}", body)).Status);
        var (_, list) = await other.GetAsync("/api/relay-regions");
        Assert.DoesNotContain(node.GetProperty("id").GetGuid().ToString(), list.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    private static RelayNodeInfo? Find(NetmapMessage m, int regionId) =>
        (m.Map?.RelayMap ?? m.RelayMap)?.Regions.FirstOrDefault(r => r.RegionId == regionId)?.Nodes is [var first, ..] ? first : null;

    private static async Task<int> RegionAsync(ControlClient admin)
    {
        for (var attempt = 0; ; attempt++)
        {
            var id = Random.Shared.Next(1_000, 20_000);
            var (status, _) = await admin.PostAsync("/api/relay-regions", new { id, code = "r" + id, name = "Region " + id });
            if (status == HttpStatusCode.Created)
            {
                return id;
            }

            Assert.True(status == HttpStatusCode.Conflict && attempt < 5, status.ToString());
        }
    }
}

public sealed class RelaysApiTestsSqlite(SqliteHostFixture f) : RelaysApiTests(f), IClassFixture<SqliteHostFixture>;

public sealed class RelaysApiTestsPostgres(PostgresHostFixture f) : RelaysApiTests(f), IClassFixture<PostgresHostFixture>;
