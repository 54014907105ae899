using System.Net;
using Nexodus.Mesh.Control.Tests.Infrastructure;

namespace Nexodus.Mesh.Control.Tests;

/// <summary>Two control processes on one PostgreSQL database: LISTEN/NOTIFY carries changes between them.</summary>
public sealed class ReplicaTests
{
    [Fact]
    public async Task ChangeThroughOneReplica_ReachesStreamHeldByTheOther()
    {
        // Replicas sit behind one public URL (a load balancer in production).
        var settings = new Dictionary<string, string?> { ["Control:PublicUrl"] = "http://control.test/" };
        await using var one = await ControlHost.StartAsync(DbProvider.Postgres, settings);
        await using var two = await ControlHost.StartAsync(DbProvider.Postgres, settings, sharedPostgresDatabase: one.PostgresDatabase);
        using var admin = await World.AdminAsync(one);
        var (_, vpcId) = await World.OrgAsync(admin, "replicas");
        var key = await World.RegistrationKeyAsync(admin, vpcId, singleUse: false);
        var a = await World.EnrollAsync(one, key, "on-one");

        // The device streams from replica two (no sticky routing) with the credential issued by replica one.
        using var viaTwo = two.Client();
        viaTwo.UseDevice(a.Credential);
        await using var stream = await NetmapReader.OpenAsync(viaTwo);
        var full = await stream.NextAsync(TimeSpan.FromSeconds(10));
        Assert.Empty(full!.Map!.Peers);

        var b = await World.EnrollAsync(one, key, "joined-on-one");
        await stream.WaitForAsync(m => m.PeersChanged?.Any(p => p.Hostname == "joined-on-one") == true, TimeSpan.FromSeconds(5));

        // Admin tokens from replica one work on replica two (shared signing keys in the database).
        using var adminTwo = two.Client();
        adminTwo.Http.DefaultRequestHeaders.Authorization = admin.Http.DefaultRequestHeaders.Authorization;
        Assert.Equal(HttpStatusCode.NoContent, (await adminTwo.SendAsync(HttpMethod.Delete, $"/api/devices/{b.DeviceId}")).Status);
        await stream.WaitForAsync(m => m.PeersRemoved?.Contains(b.Key.PublicKey.ToString()) == true, TimeSpan.FromSeconds(2));

        // Relay JWKS is the same on both replicas.
        using var anon1 = one.Client();
        using var anon2 = two.Client();
        Assert.Equal(await anon1.Http.GetStringAsync("/api/relay/jwks"), await anon2.Http.GetStringAsync("/api/relay/jwks"));
    }
}
