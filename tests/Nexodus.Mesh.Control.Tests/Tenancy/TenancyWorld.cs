using System.Net;
using Nexodus.Mesh.Control.Tests.Infrastructure;
using Nexodus.Mesh.Core.Keys;

namespace Nexodus.Mesh.Control.Tests.Tenancy;

/// <summary>
/// The cast of the cross-tenant matrix. Organization A (owner alice, admin dave, members carol and frank) has VPCs A1
/// and A2 with devices, keys, groups, invitations and an org-operated relay region; organization B (owner bob) has its
/// own VPC and device; erin belongs to no organization and holds two invitations to A.
/// </summary>
internal sealed class TenancyWorld : IDisposable
{
    private readonly List<IDisposable> _owned = [];

    public required ControlClient ServerAdmin { get; init; }

    public required ControlClient Alice { get; init; }

    public required ControlClient Dave { get; init; }

    public required ControlClient Carol { get; init; }

    public required ControlClient Erin { get; init; }

    public required ControlClient Bob { get; init; }

    public required ControlClient Anonymous { get; init; }

    public required Guid OrgA { get; init; }

    public required Guid VpcA1 { get; init; }

    public required Guid VpcA2 { get; init; }

    public required Guid VpcVictim { get; init; }

    public required Guid SgA1 { get; init; }

    public required Guid SgVictim { get; init; }

    public required Guid KeyA1 { get; init; }

    public required Guid KeyA2 { get; init; }

    public required World.Node DevA1 { get; init; }

    public required World.Node DevVictim { get; init; }

    public required World.Node DevA2 { get; init; }

    public required World.Node DevB { get; init; }

    public required Guid Inv1 { get; init; }

    public required Guid Inv2 { get; init; }

    public required Guid Inv3 { get; init; }

    public required Guid AliceId { get; init; }

    public required Guid CarolId { get; init; }

    public required Guid DaveId { get; init; }

    public required Guid FrankId { get; init; }

    public required int RegionA { get; init; }

    public required string RegionACode { get; init; }

    public required Guid NodeA { get; init; }

    public required string NodeAKey { get; init; }

    /// <summary>Everything of organization A: none of it may appear in what outsiders receive.</summary>
    public IReadOnlyList<string> AllOfOrgA =>
    [
        .. Ids(OrgA, VpcA1, VpcA2, VpcVictim, SgA1, SgVictim, KeyA1, KeyA2, Inv1, Inv2, Inv3, AliceId, CarolId, DaveId, FrankId, NodeA),
        .. Devices(DevA1, DevVictim, DevA2), RegionACode, NodeAKey,
    ];

    /// <summary>What a device of VPC A2 must not learn: VPC A1, its members, keys and the people of the organization.</summary>
    public IReadOnlyList<string> ForeignToVpcA2 =>
        [.. Ids(VpcA1, VpcVictim, SgA1, SgVictim, KeyA1, KeyA2, Inv1, Inv2, Inv3, AliceId, CarolId, DaveId, FrankId), .. Devices(DevA1, DevVictim)];

    /// <summary>What a plain member of A must not see: registration keys and invitations are for admins.</summary>
    public IReadOnlyList<string> AdminOnlyOfOrgA => [.. Ids(KeyA1, KeyA2, Inv1, Inv2, Inv3)];

    public static async Task<TenancyWorld> CreateAsync(ControlHost host)
    {
        var admin = await World.AdminAsync(host);
        var (alice, aliceId) = await World.UserAsync(host, admin, "alice");
        var (dave, daveId) = await World.UserAsync(host, admin, "dave");
        var (carol, carolId) = await World.UserAsync(host, admin, "carol");
        var (frank, frankId) = await World.UserAsync(host, admin, "frank");
        var (erin, erinId) = await World.UserAsync(host, admin, "erin");
        var (bob, _) = await World.UserAsync(host, admin, "bob");

        var (orgA, vpcA1) = await World.OrgAsync(alice, "org-a");
        await JoinAsync(alice, orgA, dave, daveId, "admin");
        await JoinAsync(alice, orgA, carol, carolId, "member");
        using (frank)
        {
            // Frank is only the target of member changes.
            await JoinAsync(alice, orgA, frank, frankId, "member");
        }

        var vpcA2 = await CreatedIdAsync(alice, "/api/vpcs", new { organizationId = orgA, name = "a2", ipv4Cidr = "10.20.0.0/16" });
        var vpcVictim = await CreatedIdAsync(alice, "/api/vpcs", new { organizationId = orgA, name = "victim" });
        var (_, groups) = await alice.GetAsync($"/api/security-groups?vpcId={vpcA1}");
        var sgA1 = groups[0].GetProperty("id").GetGuid();
        var sgVictim = await CreatedIdAsync(alice, "/api/security-groups", new { vpcId = vpcA1, name = "victim" });
        var (_, k1) = await alice.PostAsync("/api/registration-keys", new { vpcId = vpcA1, singleUse = false });
        var (_, k2) = await alice.PostAsync("/api/registration-keys", new { vpcId = vpcA2, singleUse = false });
        var devA1 = await World.EnrollAsync(host, k1.GetProperty("secret").GetString()!, "a1");
        var devVictim = await World.EnrollAsync(host, k1.GetProperty("secret").GetString()!, "a1-victim");
        var devA2 = await World.EnrollAsync(host, k2.GetProperty("secret").GetString()!, "a2");

        var inv1 = await CreatedIdAsync(alice, $"/api/organizations/{orgA}/invitations", new { userId = erinId, role = "member" });
        var inv2 = await CreatedIdAsync(alice, $"/api/organizations/{orgA}/invitations", new { userId = erinId, role = "member" });
        var inv3 = await CreatedIdAsync(alice, $"/api/organizations/{orgA}/invitations", new { email = "someone@example.test" });

        var regionA = Random.Shared.Next(30_000, 60_000);
        var regionCode = "orga" + Guid.NewGuid().ToString("N")[..8];
        var (regionStatus, _) = await alice.PostAsync("/api/relay-regions", new { id = regionA, organizationId = orgA, code = regionCode, name = "A's relays" });
        Assert.Equal(HttpStatusCode.Created, regionStatus);
        var nodeAKey = PrivateKey.Generate().PublicKey.ToString();
        var nodeA = await CreatedIdAsync(alice, $"/api/relay-regions/{regionA}/nodes", new { name = "a-relay", hostName = "relay.a.example", publicKey = nodeAKey });

        var (_, vpcB) = await World.OrgAsync(bob, "org-b");
        var devB = await World.EnrollAsync(host, await World.RegistrationKeyAsync(bob, vpcB, singleUse: true), "b1");

        var world = new TenancyWorld
        {
            ServerAdmin = admin,
            Alice = alice,
            Dave = dave,
            Carol = carol,
            Erin = erin,
            Bob = bob,
            Anonymous = host.Client(),
            OrgA = orgA,
            VpcA1 = vpcA1,
            VpcA2 = vpcA2,
            VpcVictim = vpcVictim,
            SgA1 = sgA1,
            SgVictim = sgVictim,
            KeyA1 = k1.GetProperty("id").GetGuid(),
            KeyA2 = k2.GetProperty("id").GetGuid(),
            DevA1 = devA1,
            DevVictim = devVictim,
            DevA2 = devA2,
            DevB = devB,
            Inv1 = inv1,
            Inv2 = inv2,
            Inv3 = inv3,
            AliceId = aliceId,
            CarolId = carolId,
            DaveId = daveId,
            FrankId = frankId,
            RegionA = regionA,
            RegionACode = regionCode,
            NodeA = nodeA,
            NodeAKey = nodeAKey,
        };
        world._owned.AddRange([admin, alice, dave, carol, erin, bob, world.Anonymous, devA1.Client, devVictim.Client, devA2.Client, devB.Client]);
        return world;
    }

    public void Dispose()
    {
        foreach (var d in _owned)
        {
            d.Dispose();
        }
    }

    private static IEnumerable<string> Ids(params Guid[] ids) => ids.Select(i => i.ToString());

    private static IEnumerable<string> Devices(params World.Node[] nodes) =>
        nodes.SelectMany(n => new[] { n.DeviceId.ToString(), n.Key.PublicKey.ToString() });

    private static async Task JoinAsync(ControlClient owner, Guid orgId, ControlClient user, Guid userId, string role)
    {
        var invitation = await CreatedIdAsync(owner, $"/api/organizations/{orgId}/invitations", new { userId, role });
        Assert.Equal(HttpStatusCode.NoContent, (await user.PostAsync($"/api/invitations/{invitation}/accept", null)).Status);
    }

    private static async Task<Guid> CreatedIdAsync(ControlClient c, string path, object body)
    {
        var (status, created) = await c.PostAsync(path, body);
        Assert.True(status == HttpStatusCode.Created, $"POST {path}: {status} {created}");
        return created.GetProperty("id").GetGuid();
    }
}
