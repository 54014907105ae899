using System.Net;
using Nexodus.Mesh.Control.Hosting;
using Nexodus.Mesh.Control.Tests.Infrastructure;
using Nexodus.Mesh.Core.Contracts;
using Nexodus.Mesh.Core.Keys;

namespace Nexodus.Mesh.Control.Tests.Ipam;

/// <summary>Enrollment takes addresses from a per-VPC cursor; the unique index and a rescan keep it honest.</summary>
public abstract class AddressCursorTests(HostFixture fixture)
{
    private ControlHost Host => fixture.Host;

    [Fact]
    public async Task AddressTakenAheadOfCursor_NextEnrollmentSkipsIt()
    {
        using var admin = await World.AdminAsync(Host);
        var (orgId, _) = await World.OrgAsync(admin, "cursor");
        var vpcId = await VpcAsync(admin, orgId, "cursor-vpc", "100.70.0.0/28");
        var key = await World.RegistrationKeyAsync(admin, vpcId, singleUse: false);
        var a = await World.EnrollAsync(Host, key, "c1");
        Assert.Equal("100.70.0.1", a.Ipv4);
        Assert.Equal(HttpStatusCode.Created, await EnrollAsync(key, "c2", requested: "100.70.0.2"));
        // The cursor offers .2 next: the insert fails on the unique index and the retry takes .3.
        var c = await World.EnrollAsync(Host, key, "c3");
        Assert.Equal("100.70.0.3", c.Ipv4);
    }

    [Fact]
    public async Task RangeFull_Is409_AndDeletedAddressIsReused()
    {
        using var admin = await World.AdminAsync(Host);
        var (orgId, _) = await World.OrgAsync(admin, "small");
        var vpcId = await VpcAsync(admin, orgId, "small-vpc", "100.71.0.0/29");
        var key = await World.RegistrationKeyAsync(admin, vpcId, singleUse: false);
        var nodes = new List<World.Node>();
        for (var i = 0; i < 6; i++)
        {
            nodes.Add(await World.EnrollAsync(Host, key, $"s{i}"));
        }

        Assert.Equal(["100.71.0.1", "100.71.0.2", "100.71.0.3", "100.71.0.4", "100.71.0.5", "100.71.0.6"], nodes.Select(n => n.Ipv4).Order(StringComparer.Ordinal));
        Assert.Equal(HttpStatusCode.Conflict, await EnrollAsync(key, "s6", requested: null));

        Assert.Equal(HttpStatusCode.NoContent, (await admin.SendAsync(HttpMethod.Delete, $"/api/devices/{nodes[2].DeviceId}")).Status);
        var again = await World.EnrollAsync(Host, key, "s7");
        Assert.Equal(nodes[2].Ipv4, again.Ipv4);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    [InlineData(2_000_000)]
    public void MaxConnections_OutOfRange_IsAConfigurationError(long value)
    {
        var problems = new ControlOptions { MaxConnections = value }.Validate().ToList();
        Assert.Contains(problems, p => p.Contains("Control:MaxConnections", StringComparison.Ordinal));
        Assert.Empty(new ControlOptions { MaxConnections = 20_000 }.Validate());
    }

    private async Task<HttpStatusCode> EnrollAsync(string key, string hostname, string? requested)
    {
        using var c = Host.Client();
        using var nodeKey = PrivateKey.Generate();
        var (status, _) = await c.PostAsync("/api/enroll", new EnrollRequest { NodeKey = nodeKey.PublicKey.ToString(), Hostname = hostname, RegistrationKey = key, RequestedIpv4 = requested });
        return status;
    }

    private static async Task<Guid> VpcAsync(ControlClient admin, Guid orgId, string name, string cidr)
    {
        var (status, body) = await admin.PostAsync("/api/vpcs", new { organizationId = orgId, name, ipv4Cidr = cidr });
        Assert.Equal(HttpStatusCode.Created, status);
        return body.GetProperty("id").GetGuid();
    }
}

public sealed class AddressCursorTestsSqlite(SqliteHostFixture f) : AddressCursorTests(f), IClassFixture<SqliteHostFixture>;

public sealed class AddressCursorTestsPostgres(PostgresHostFixture f) : AddressCursorTests(f), IClassFixture<PostgresHostFixture>;
