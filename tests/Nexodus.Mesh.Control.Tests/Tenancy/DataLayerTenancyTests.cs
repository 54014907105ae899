using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Nexodus.Mesh.Control.Storage;
using Nexodus.Mesh.Control.Tests.Infrastructure;

namespace Nexodus.Mesh.Control.Tests.Tenancy;

/// <summary>
/// Tenancy holds in the data layer itself, without any handler: a <see cref="ControlDbContext"/> scoped to an outsider,
/// to a device of another VPC, or to nobody returns none of organization A's rows from any tenant-owned set, while one
/// scoped to A's owner sees them. And every entity type either has a query filter or is on a reviewed list.
/// </summary>
public abstract class DataLayerTenancyTests(HostFixture fixture)
{
    /// <summary>Entity types without a tenant filter, each with the reason it needs none.</summary>
    private static readonly Dictionary<string, string> Unfiltered = new(StringComparer.Ordinal)
    {
        [nameof(User)] = "no tenant data; other users are reached only through filtered memberships",
        [nameof(SigningKey)] = "server keys, never returned by the API",
        [nameof(RevisionCounter)] = "one global counter",
        [nameof(RelayNode)] = "queried only through its (filtered) region",
    };

    private ControlHost Host => fixture.Host;

    [Fact]
    public void EveryEntityType_HasATenantFilter_OrIsReviewed()
    {
        using var scope = Host.App.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ControlDbContext>();
        var ours = db.Model.GetEntityTypes().Where(t => t.ClrType.Namespace == typeof(Vpc).Namespace).ToList();
        Assert.True(ours.Count >= 10, "model enumeration found too few entity types");
        var missing = ours.Where(t => t.GetDeclaredQueryFilters().Count == 0 && !Unfiltered.ContainsKey(t.ClrType.Name)).Select(t => t.ClrType.Name).ToList();
        Assert.True(missing.Count == 0, "entity types without a tenant query filter (add one, or add them to Unfiltered with a reason): " + string.Join(", ", missing));
        Assert.All(ours.Where(t => t.ClrType.GetProperty("OrganizationId") is not null), t => Assert.NotEmpty(t.GetDeclaredQueryFilters()));
    }

    [Fact]
    public async Task ScopedContext_Outsider_DeviceOfOtherVpc_Anonymous_SeeNothingOfTheirs_OwnerSeesAll()
    {
        using var w = await TenancyWorld.CreateAsync(Host);

        // The owner's scope sees A's rows: the filters are not simply hiding everything.
        var owner = await DumpAsync(s => s.SetUser(w.AliceId, [w.OrgA]));
        foreach (var id in new[] { w.OrgA, w.VpcA1, w.VpcA2, w.SgA1, w.KeyA1, w.Inv1, w.DevA1.DeviceId, w.DevA2.DeviceId })
        {
            Assert.Contains(id.ToString(), owner, StringComparison.OrdinalIgnoreCase);
        }

        Assert.Contains(w.RegionACode, owner, StringComparison.Ordinal);

        // A user of no organization of A, an anonymous request: nothing of A.
        foreach (var (who, dump) in new[]
        {
            ("outsider", await DumpAsync(s => s.SetUser(Guid.NewGuid(), [Guid.NewGuid()]))),
            ("anonymous", await DumpAsync(_ => { })),
        })
        {
            Assert.All(w.AllOfOrgA, id => Assert.False(dump.Contains(id, StringComparison.OrdinalIgnoreCase), $"{who} sees {id}"));
        }

        // A device of VPC A2 sees its own VPC and its peers there; nothing of VPC A1 and none of the organization's
        // people, invitations, registration keys or audit trail (those are for users).
        var counts = new Dictionary<string, int>();
        var device = await DumpAsync(s => s.SetDevice(w.DevA2.DeviceId, w.OrgA, w.VpcA2), counts);
        Assert.Contains(w.VpcA2.ToString(), device, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(w.DevA2.DeviceId.ToString(), device, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, counts["Memberships"] + counts["Invitations"] + counts["RegistrationKeys"] + counts["AuditEvents"]);

        // Its own row names the key that enrolled it (KeyA2); the key's row itself stays hidden (counted above).
        Assert.All(
            w.ForeignToVpcA2.Where(id => id != w.KeyA2.ToString()),
            id => Assert.False(device.Contains(id, StringComparison.OrdinalIgnoreCase), $"device of VPC A2 sees {id}"));
    }

    /// <summary>Every tenant-owned set read through a fresh context whose scope <paramref name="setup"/> fills, as JSON.</summary>
    private async Task<string> DumpAsync(Action<TenantScope> setup, Dictionary<string, int>? counts = null)
    {
        using var scope = Host.App.Services.CreateScope();
        setup(scope.ServiceProvider.GetRequiredService<TenantScope>());
        var db = scope.ServiceProvider.GetRequiredService<ControlDbContext>();
        var rows = new List<object>();
        async Task Add<T>(string name, IQueryable<T> set)
            where T : class
        {
            var list = await set.AsNoTracking().ToListAsync();
            rows.AddRange(list);
            if (counts is not null)
            {
                counts[name] = list.Count;
            }
        }

        await Add("Organizations", db.Organizations);
        await Add("Memberships", db.Memberships);
        await Add("Invitations", db.Invitations);
        await Add("Vpcs", db.Vpcs);
        await Add("Devices", db.Devices);
        await Add("RegistrationKeys", db.RegistrationKeys);
        await Add("SecurityGroups", db.SecurityGroups);
        await Add("RelayRegions", db.RelayRegions.Include(r => r.Nodes));
        await Add("AuditEvents", db.AuditEvents);
        return JsonSerializer.Serialize<object>(rows);
    }
}

public sealed class DataLayerTenancyTestsSqlite(SqliteHostFixture f) : DataLayerTenancyTests(f), IClassFixture<SqliteHostFixture>;

public sealed class DataLayerTenancyTestsPostgres(PostgresHostFixture f) : DataLayerTenancyTests(f), IClassFixture<PostgresHostFixture>;
