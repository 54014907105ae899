using System.Net;
using Nexodus.Mesh.Control.Tests.Infrastructure;
using Nexodus.Mesh.Core.Contracts;

namespace Nexodus.Mesh.Control.Tests.Netmap;

/// <summary>
/// The hub computes a delta once per generation pair and sends the same bytes to every stream whose view changed the
/// same way; these check that sharing never leaks one device's view into another's.
/// </summary>
public abstract class FanOutTests(HostFixture fixture)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private ControlHost Host => fixture.Host;

    [Fact]
    public async Task JoinIntoReferencedGroup_FilterDeltaOnlyForDevicesWhoseGroupNamesIt()
    {
        using var admin = await World.AdminAsync(Host);
        var (_, vpcId) = await World.OrgAsync(admin, "fanout");
        var db = await GroupAsync(admin, vpcId, "db", inboundFromGroup: null);
        var web = await GroupAsync(admin, vpcId, "web", inboundFromGroup: db);
        var webKey = await World.RegistrationKeyAsync(admin, vpcId, singleUse: false, web);
        var dbKey = await World.RegistrationKeyAsync(admin, vpcId, singleUse: false, db);
        var otherKey = await World.RegistrationKeyAsync(admin, vpcId, singleUse: false);
        var w1 = await World.EnrollAsync(Host, webKey, "w1");
        var o1 = await World.EnrollAsync(Host, otherKey, "o1");
        await using var webStream = await NetmapReader.OpenAsync(w1.Client);
        await using var otherStream = await NetmapReader.OpenAsync(o1.Client);
        var webFull = await webStream.NextAsync(Wait);
        // No db member yet: the rule from group db compiles to no prefixes.
        Assert.Empty(webFull!.Map!.PacketFilter.Inbound.Single().Prefixes);
        await otherStream.NextAsync(Wait);
        await Drain(webStream);
        await Drain(otherStream);

        var d1 = await World.EnrollAsync(Host, dbKey, "d1");

        var webDelta = await webStream.WaitForAsync(m => m.PeersChanged?.Any(p => p.Hostname == "d1") == true, Wait);
        Assert.NotNull(webDelta.PacketFilter);
        Assert.Contains(d1.Ipv4 + "/32", webDelta.PacketFilter!.Inbound.Single().Prefixes);
        var otherDelta = await otherStream.WaitForAsync(m => m.PeersChanged?.Any(p => p.Hostname == "d1") == true, Wait);
        Assert.Null(otherDelta.PacketFilter);
        Assert.Null(otherDelta.Self);
        // Both saw the same generation of the VPC.
        Assert.Equal(webDelta.Revision, otherDelta.Revision);
    }

    [Fact]
    public async Task StatusReport_IsSelfForTheReporter_AndPeerForEveryOtherStream()
    {
        using var admin = await World.AdminAsync(Host);
        var (_, vpcId) = await World.OrgAsync(admin, "selfpeer");
        var key = await World.RegistrationKeyAsync(admin, vpcId, singleUse: false);
        var nodes = new List<World.Node>();
        for (var i = 0; i < 4; i++)
        {
            nodes.Add(await World.EnrollAsync(Host, key, $"f{i}"));
        }

        var streams = new List<NetmapReader>();
        try
        {
            foreach (var n in nodes)
            {
                var s = await NetmapReader.OpenAsync(n.Client);
                Assert.Equal(NetmapMessageTypes.Full, (await s.NextAsync(Wait))!.Type);
                streams.Add(s);
            }

            foreach (var s in streams)
            {
                await Drain(s);
            }

            var (ok, _) = await nodes[0].Client.SendAsync(HttpMethod.Put, "/api/device/status", new { endpoints = new[] { "198.51.100.7:41641" }, homeRelay = 1, natMapping = "eim", natFiltering = "eif" });
            Assert.Equal(HttpStatusCode.NoContent, ok);

            var own = await streams[0].WaitForAsync(m => m.Self is not null, Wait);
            Assert.Equal(["198.51.100.7:41641"], own.Self!.Endpoints);
            Assert.True(own.PeersChanged is null || own.PeersChanged.All(p => p.Hostname != "f0"), "a device is never its own peer");
            var revisions = new HashSet<long>();
            foreach (var s in streams.Skip(1))
            {
                var d = await s.WaitForAsync(m => m.PeersChanged?.Any(p => p.Hostname == "f0") == true, Wait);
                Assert.Null(d.Self);
                Assert.Equal(["198.51.100.7:41641"], d.PeersChanged!.Single(p => p.Hostname == "f0").Endpoints);
                revisions.Add(d.Revision);
            }

            Assert.Single(revisions);
        }
        finally
        {
            foreach (var s in streams)
            {
                await s.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task ResumeFromLastRevision_AfterMissedChanges_GetsOneDeltaWithThem()
    {
        using var admin = await World.AdminAsync(Host);
        var (_, vpcId) = await World.OrgAsync(admin, "resume");
        var key = await World.RegistrationKeyAsync(admin, vpcId, singleUse: false);
        var a = await World.EnrollAsync(Host, key, "ra");
        long revision;
        await using (var first = await NetmapReader.OpenAsync(a.Client))
        {
            revision = (await first.NextAsync(Wait))!.Revision;
            await Task.Delay(500);
            while (await NextOrNull(first, TimeSpan.FromMilliseconds(300)) is { } m)
            {
                revision = m.Revision;
            }
        }

        // A stream of another device keeps the VPC's generations current while "ra" is away.
        var watcher = await World.EnrollAsync(Host, key, "rw");
        await using var watcherStream = await NetmapReader.OpenAsync(watcher.Client);
        await watcherStream.NextAsync(Wait);
        var b = await World.EnrollAsync(Host, key, "rb");
        await watcherStream.WaitForAsync(m => m.PeersChanged?.Any(p => p.Hostname == "rb") == true, Wait);

        await using var resumed = await NetmapReader.OpenAsync(a.Client, revision);
        var next = await resumed.NextAsync(Wait);
        Assert.Equal(NetmapMessageTypes.Delta, next!.Type);
        Assert.True(next.Revision > revision);
        Assert.Contains(next.PeersChanged!, p => p.Hostname == "rb");
        Assert.NotNull(next.RelayAdmission);
        Assert.Equal(b.Ipv4, next.PeersChanged!.Single(p => p.Hostname == "rb").Addresses[0]);
    }

    private static async Task<Guid> GroupAsync(ControlClient admin, Guid vpcId, string name, Guid? inboundFromGroup)
    {
        object inbound = inboundFromGroup is { } g
            ? new[] { new { protocol = "tcp", fromPort = 5432, toPort = 5432, securityGroupIds = new[] { g } } }
            : new[] { new { protocol = "any", fromPort = 0, toPort = 0, cidrs = new[] { "100.64.0.0/10" } } };
        var (status, body) = await admin.PostAsync("/api/security-groups", new
        {
            vpcId,
            name,
            inboundRules = inbound,
            outboundRules = new[] { new { protocol = "any", fromPort = 0, toPort = 0, cidrs = new[] { "0.0.0.0/0" } } },
        });
        Assert.Equal(HttpStatusCode.Created, status);
        return body.GetProperty("id").GetGuid();
    }

    private static async Task Drain(NetmapReader r)
    {
        while (await NextOrNull(r, TimeSpan.FromMilliseconds(400)) is not null)
        {
        }
    }

    private static async Task<NetmapMessage?> NextOrNull(NetmapReader r, TimeSpan window)
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

public sealed class FanOutTestsSqlite(SqliteHostFixture f) : FanOutTests(f), IClassFixture<SqliteHostFixture>;

public sealed class FanOutTestsPostgres(PostgresHostFixture f) : FanOutTests(f), IClassFixture<PostgresHostFixture>;
