using System.Diagnostics;
using System.Net;
using Nexodus.Mesh.Control.Tests.Infrastructure;
using Nexodus.Mesh.Core.Contracts;

namespace Nexodus.Mesh.Control.Tests;

/// <summary>Tests that need their own host settings (short heartbeat, short token lifetime) or their own database.</summary>
public abstract class LifecycleTests(DbProvider provider)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Heartbeats_AndRelayTokenRefreshBeforeExpiry()
    {
        await using var host = await ControlHost.StartAsync(provider, new()
        {
            ["Control:HeartbeatInterval"] = "00:00:00.300",
            ["Control:RelayTokenLifetime"] = "00:00:12",
        });
        using var admin = await World.AdminAsync(host);
        var (_, vpcId) = await World.OrgAsync(admin, "hb");
        var key = await World.RegistrationKeyAsync(admin, vpcId, singleUse: true);
        var a = await World.EnrollAsync(host, key, "h1");
        await using var stream = await NetmapReader.OpenAsync(a.Client);
        var full = await stream.NextAsync(Wait);
        var heartbeat = await stream.WaitForAsync(m => m.Type == NetmapMessageTypes.Heartbeat, TimeSpan.FromSeconds(3));
        Assert.True(heartbeat.Revision >= full!.Revision);

        var firstExpiry = full.Map!.RelayAdmission.ExpiresAt;
        var refreshed = await stream.WaitForAsync(m => m.RelayAdmission is not null, TimeSpan.FromSeconds(15));
        Assert.NotEqual(full.Map.RelayAdmission.Token, refreshed.RelayAdmission!.Token);
        Assert.True(refreshed.RelayAdmission.ExpiresAt > firstExpiry);
        Assert.True(refreshed.RelayAdmission.ExpiresAt - DateTimeOffset.UtcNow > TimeSpan.FromSeconds(8), "refreshed token must be fresh");
        Assert.True(firstExpiry > DateTimeOffset.UtcNow, "refresh must come before the old token expires");
    }

    [Fact]
    public async Task RemovingUserFromOrganization_AndDeletingVpc_RevokeTheirDevicesWithin2s()
    {
        await using var host = await ControlHost.StartAsync(provider);
        using var admin = await World.AdminAsync(host);
        var (bobClient, bobId) = await World.UserAsync(host, admin, "bob");
        using var bob = bobClient;
        var (orgId, vpcId) = await World.OrgAsync(admin, "rev");
        var (_, inv) = await admin.PostAsync($"/api/organizations/{orgId}/invitations", new { userId = bobId });
        Assert.Equal(HttpStatusCode.NoContent, (await bob.PostAsync($"/api/invitations/{inv.GetProperty("id").GetGuid()}/accept", null)).Status);

        // Bob enrolls his laptop with his own user token; admin's device watches.
        using var bobKey = Nexodus.Mesh.Core.Keys.PrivateKey.Generate();
        var (enrolled, body) = await bob.PostAsync("/api/enroll", new EnrollRequest { NodeKey = bobKey.PublicKey.ToString(), Hostname = "bobs-laptop", VpcId = vpcId });
        Assert.Equal(HttpStatusCode.Created, enrolled);
        Assert.True(Nexodus.Mesh.Core.Keys.SealedBox.TryOpen(bobKey, Convert.FromBase64String(body.GetProperty("sealedCredential").GetString()!), out var cred));
        using var bobDevice = host.Client();
        bobDevice.UseDevice(System.Text.Encoding.UTF8.GetString(cred));

        var regKey = await World.RegistrationKeyAsync(admin, vpcId, singleUse: true);
        var watcher = await World.EnrollAsync(host, regKey, "watcher");
        await using var stream = await NetmapReader.OpenAsync(watcher.Client);
        var full = await stream.NextAsync(Wait);
        Assert.Contains(full!.Map!.Peers, p => p.Hostname == "bobs-laptop");

        var sw = Stopwatch.StartNew();
        Assert.Equal(HttpStatusCode.NoContent, (await admin.SendAsync(HttpMethod.Delete, $"/api/organizations/{orgId}/members/{bobId}")).Status);
        await stream.WaitForAsync(m => m.PeersRemoved?.Contains(bobKey.PublicKey.ToString()) == true, TimeSpan.FromSeconds(2));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(2));
        Assert.Equal(HttpStatusCode.Unauthorized, (await bobDevice.GetAsync("/api/device")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.GetAsync($"/api/vpcs/{vpcId}")).Status);

        sw.Restart();
        Assert.Equal(HttpStatusCode.NoContent, (await admin.SendAsync(HttpMethod.Delete, $"/api/vpcs/{vpcId}")).Status);
        var revoked = await stream.WaitForAsync(m => m.Type == NetmapMessageTypes.Revoked, TimeSpan.FromSeconds(2));
        Assert.NotNull(revoked);
        Assert.Equal(HttpStatusCode.Unauthorized, (await watcher.Client.GetAsync("/api/device")).Status);
    }

    [Fact]
    public async Task Presence_OnlineWhileStreaming_OfflineAfterGrace()
    {
        await using var host = await ControlHost.StartAsync(provider);
        using var admin = await World.AdminAsync(host);
        var (_, vpcId) = await World.OrgAsync(admin, "presence");
        var key = await World.RegistrationKeyAsync(admin, vpcId, singleUse: false);
        var a = await World.EnrollAsync(host, key, "p1");
        var b = await World.EnrollAsync(host, key, "p2");
        await using var streamA = await NetmapReader.OpenAsync(a.Client);
        await streamA.NextAsync(Wait);
        var streamB = await NetmapReader.OpenAsync(b.Client);
        await streamA.WaitForAsync(m => m.PeersChanged?.Any(p => p.Hostname == "p2" && p.Online) == true, Wait);
        await streamB.DisposeAsync();
        // Grace is 1 s in tests.
        await streamA.WaitForAsync(m => m.PeersChanged?.Any(p => p.Hostname == "p2" && !p.Online) == true, Wait);
        var (_, dev) = await admin.GetAsync($"/api/devices/{b.DeviceId}");
        Assert.False(dev.GetProperty("online").GetBoolean());
    }
}

public sealed class LifecycleTestsSqlite() : LifecycleTests(DbProvider.Sqlite);

public sealed class LifecycleTestsPostgres() : LifecycleTests(DbProvider.Postgres);
