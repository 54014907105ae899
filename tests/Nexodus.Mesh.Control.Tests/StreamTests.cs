using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Nexodus.Mesh.Control.Tests.Infrastructure;
using Nexodus.Mesh.Core.Contracts;

namespace Nexodus.Mesh.Control.Tests;

public abstract class StreamTests(HostFixture fixture)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private ControlHost Host => fixture.Host;

    [Fact]
    public async Task Join_PeersSeeIt_DeleteRemovesWithin2s_AndRevokesCredential()
    {
        using var admin = await World.AdminAsync(Host);
        var (_, vpcId) = await World.OrgAsync(admin, "stream");
        var key = await World.RegistrationKeyAsync(admin, vpcId, singleUse: false);
        var a = await World.EnrollAsync(Host, key, "alpha");
        await using var streamA = await NetmapReader.OpenAsync(a.Client);
        var full = await streamA.NextAsync(Wait);
        Assert.Equal(NetmapMessageTypes.Full, full!.Type);
        Assert.Equal(a.Key.PublicKey.ToString(), full.Map!.Self.NodeKey);
        Assert.Empty(full.Map.Peers);
        Assert.NotEmpty(full.Map.RelayAdmission.Token);

        var b = await World.EnrollAsync(Host, key, "beta");
        var joined = await streamA.WaitForAsync(m => m.PeersChanged?.Any(p => p.NodeKey == b.Key.PublicKey.ToString()) == true, Wait);
        Assert.True(joined.Revision > full.Revision);
        Assert.Contains(b.Ipv4, joined.PeersChanged!.Single(p => p.Hostname == "beta").Addresses);

        await using var streamB = await NetmapReader.OpenAsync(b.Client);
        var fullB = await streamB.NextAsync(Wait);
        Assert.Contains(fullB!.Map!.Peers, p => p.NodeKey == a.Key.PublicKey.ToString());

        var sw = Stopwatch.StartNew();
        Assert.Equal(HttpStatusCode.NoContent, (await admin.SendAsync(HttpMethod.Delete, $"/api/devices/{b.DeviceId}")).Status);
        var removed = await streamA.WaitForAsync(m => m.PeersRemoved?.Contains(b.Key.PublicKey.ToString()) == true, TimeSpan.FromSeconds(2));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(2), sw.Elapsed.ToString());
        var revoked = await streamB.WaitForAsync(m => m.Type == NetmapMessageTypes.Revoked, TimeSpan.FromSeconds(2));
        Assert.Equal("device removed", revoked.Reason);
        Assert.Equal(HttpStatusCode.Unauthorized, (await b.Client.GetAsync("/api/device")).Status);
        Assert.NotNull(removed);
    }

    [Fact]
    public async Task PolicyChange_UpdatesOnlyAffectedDevices()
    {
        using var admin = await World.AdminAsync(Host);
        var (_, vpcId) = await World.OrgAsync(admin, "policy");
        var (sgStatus, sg) = await admin.PostAsync("/api/security-groups", new
        {
            vpcId,
            name = "web",
            inboundRules = new[] { new { protocol = "tcp", fromPort = 443, toPort = 443, cidrs = new[] { "100.64.0.0/10" } } },
            outboundRules = new[] { new { protocol = "any", fromPort = 0, toPort = 0, cidrs = new[] { "0.0.0.0/0" } } },
        });
        Assert.Equal(HttpStatusCode.Created, sgStatus);
        var sgId = sg.GetProperty("id").GetGuid();
        var webKey = await World.RegistrationKeyAsync(admin, vpcId, singleUse: false, sgId);
        var otherKey = await World.RegistrationKeyAsync(admin, vpcId, singleUse: false);
        var web = await World.EnrollAsync(Host, webKey, "web1");
        var other = await World.EnrollAsync(Host, otherKey, "db1");
        await using var webStream = await NetmapReader.OpenAsync(web.Client);
        await using var otherStream = await NetmapReader.OpenAsync(other.Client);
        var webFull = await webStream.NextAsync(Wait);
        Assert.Equal(443, webFull!.Map!.PacketFilter.Inbound.Single().FromPort);
        await otherStream.NextAsync(Wait);
        // Let presence updates (both came online) settle before measuring.
        await Task.Delay(1000);
        await Drain(webStream);
        await Drain(otherStream);

        var (putStatus, _) = await admin.SendAsync(HttpMethod.Put, $"/api/security-groups/{sgId}", new
        {
            inboundRules = new[] { new { protocol = "tcp", fromPort = 8443, toPort = 8443, cidrs = new[] { "100.64.0.0/10" } } },
        });
        Assert.Equal(HttpStatusCode.OK, putStatus);
        var delta = await webStream.WaitForAsync(m => m.PacketFilter is not null, Wait);
        Assert.Equal(8443, delta.PacketFilter!.Inbound.Single().FromPort);
        Assert.Null(delta.PeersChanged);

        // The other device's view did not change: only heartbeats (if any) arrive.
        var quiet = await NextNonHeartbeatOrNull(otherStream, TimeSpan.FromSeconds(1.5));
        Assert.Null(quiet);
    }

    [Fact]
    public async Task UnknownRevision_GetsResyncThenFullMap_KnownRevisionResumesWithoutFullMap()
    {
        using var admin = await World.AdminAsync(Host);
        var (_, vpcId) = await World.OrgAsync(admin, "resync");
        var key = await World.RegistrationKeyAsync(admin, vpcId, singleUse: false);
        var a = await World.EnrollAsync(Host, key, "r1");
        long revision;
        await using (var first = await NetmapReader.OpenAsync(a.Client))
        {
            revision = (await first.NextAsync(Wait))!.Revision;
        }

        await using (var stale = await NetmapReader.OpenAsync(a.Client, revision: 1))
        {
            var m1 = await stale.NextAsync(Wait);
            Assert.Equal(NetmapMessageTypes.Resync, m1!.Type);
            var m2 = await stale.NextAsync(Wait);
            Assert.Equal(NetmapMessageTypes.Full, m2!.Type);
            revision = m2.Revision;
        }

        await using var resumed = await NetmapReader.OpenAsync(a.Client, revision: revision);
        var next = await NextNonHeartbeatOrNull(resumed, TimeSpan.FromSeconds(3));
        Assert.True(next is null || next.Type == NetmapMessageTypes.Delta, next?.Type);
    }

    [Fact]
    public async Task RelayAdmissionToken_VerifiesAgainstJwks()
    {
        using var admin = await World.AdminAsync(Host);
        var (_, vpcId) = await World.OrgAsync(admin, "relay");
        var key = await World.RegistrationKeyAsync(admin, vpcId, singleUse: true);
        var a = await World.EnrollAsync(Host, key, "t1");
        await using var stream = await NetmapReader.OpenAsync(a.Client);
        var token = (await stream.NextAsync(Wait))!.Map!.RelayAdmission.Token;

        using var anon = Host.Client();
        var jwks = new JsonWebKeySet(await anon.Http.GetStringAsync("/api/relay/jwks"));
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            IssuerSigningKeys = jwks.GetSigningKeys(),
            ValidAudience = "nexodus-relay",
            ValidateIssuer = false,
            ValidTypes = ["nexodus-relay+jwt"],
        });
        Assert.True(result.IsValid, result.Exception?.Message);
        var jwt = (JsonWebToken)result.SecurityToken;
        Assert.Equal("ES256", jwt.Alg);
        Assert.Equal(a.Key.PublicKey.ToString(), jwt.Subject);
        Assert.Contains(vpcId.ToString("D"), jwt.GetPayloadValue<JsonElement>("vpc").EnumerateArray().Select(e => e.GetString()));
        Assert.InRange(jwt.ValidTo - jwt.ValidFrom, TimeSpan.FromMinutes(14), TimeSpan.FromMinutes(16));
    }

    [Fact]
    public async Task DeviceStatusReport_ReachesPeers_AndBadReportIs400()
    {
        using var admin = await World.AdminAsync(Host);
        var (_, vpcId) = await World.OrgAsync(admin, "status");
        var key = await World.RegistrationKeyAsync(admin, vpcId, singleUse: false);
        var a = await World.EnrollAsync(Host, key, "s1");
        var b = await World.EnrollAsync(Host, key, "s2");
        await using var streamA = await NetmapReader.OpenAsync(a.Client);
        await streamA.NextAsync(Wait);
        var (bad, body) = await b.Client.SendAsync(HttpMethod.Put, "/api/device/status", new { endpoints = new[] { "nonsense" }, natMapping = "weird" });
        Assert.Equal(HttpStatusCode.BadRequest, bad);
        Assert.True(body.GetProperty("errors").TryGetProperty("endpoints[0]", out _));
        var (ok, _) = await b.Client.SendAsync(HttpMethod.Put, "/api/device/status", new { endpoints = new[] { "192.0.2.10:41641" }, homeRelay = 1, natMapping = "eim", natFiltering = "apdf" });
        Assert.Equal(HttpStatusCode.NoContent, ok);
        var delta = await streamA.WaitForAsync(m => m.PeersChanged?.Any(p => p.Endpoints.Contains("192.0.2.10:41641")) == true, Wait);
        var peer = delta.PeersChanged!.Single(p => p.Hostname == "s2");
        Assert.Equal(1, peer.HomeRelay);
        Assert.Equal("apdf", peer.NatFiltering);
    }

    private static async Task Drain(NetmapReader r)
    {
        while (await NextNonHeartbeatOrNull(r, TimeSpan.FromMilliseconds(400)) is not null)
        {
        }
    }

    private static async Task<NetmapMessage?> NextNonHeartbeatOrNull(NetmapReader r, TimeSpan window)
    {
        var deadline = DateTime.UtcNow + window;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                var m = await r.NextAsync(deadline - DateTime.UtcNow);
                if (m is not null && m.Type != NetmapMessageTypes.Heartbeat)
                {
                    return m;
                }
            }
            catch (TimeoutException)
            {
                return null;
            }
        }

        return null;
    }
}

public sealed class StreamTestsSqlite(SqliteHostFixture f) : StreamTests(f), IClassFixture<SqliteHostFixture>;

public sealed class StreamTestsPostgres(PostgresHostFixture f) : StreamTests(f), IClassFixture<PostgresHostFixture>;
