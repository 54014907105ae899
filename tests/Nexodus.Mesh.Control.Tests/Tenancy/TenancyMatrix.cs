using Nexodus.Mesh.Core.Keys;

namespace Nexodus.Mesh.Control.Tests.Tenancy;

/// <summary>
/// Every endpoint of the control service, keyed "METHOD route-pattern" exactly as the endpoint data source names it
/// ("*" when the endpoint takes any method). The matrix test fails for an endpoint missing here and for an entry whose
/// endpoint no longer exists, so a new endpoint cannot ship without its tenancy row.
/// </summary>
internal static class TenancyMatrix
{
    public static readonly IReadOnlyDictionary<string, MatrixEntry> Entries = new Dictionary<string, MatrixEntry>
    {
        // Browser login, the embedded provider's pages, ops and unknown paths: no tenant data.
        ["GET /account/login"] = Public(_ => "/account/login"),
        ["POST /account/login"] = Public(_ => "/account/login"),
        ["POST /account/logout"] = Public(_ => "/account/logout"),
        ["GET /account/external/{name}"] = Public(_ => "/account/external/nope"),
        ["GET /account/done"] = Public(_ => "/account/done"),
        ["GET /connect/authorize"] = Public(_ => "/connect/authorize?client_id=nexctl&response_type=code"),
        ["POST /connect/authorize"] = Public(_ => "/connect/authorize"),
        ["GET /connect/verify"] = Public(_ => "/connect/verify"),
        ["POST /connect/verify"] = Public(_ => "/connect/verify"),
        ["* /healthz"] = Public(_ => "/healthz"),
        ["* /readyz"] = Public(_ => "/readyz"),
        ["* /metrics"] = Public(_ => "/metrics"),
        ["GET /openapi/v1.json"] = Public(_ => "/openapi/v1.json"),
        ["GET /api/relay/jwks"] = Public(_ => "/api/relay/jwks"),
        ["* /api/{**rest}"] = Public(w => $"/api/nothing-here/{w.OrgA}"),

        // Per-caller views: outsiders get 200 with nothing of A in it.
        ["GET /api/me"] = new(Access.AnyUser, _ => ("/api/me", null)),
        ["GET /api/organizations/"] = new(Access.AnyUser, _ => ("/api/organizations", null)),
        ["GET /api/vpcs/"] = new(Access.AnyUser, w => ($"/api/vpcs?organizationId={w.OrgA}", null)),
        ["GET /api/devices/"] = new(Access.AnyUser, w => ($"/api/devices?vpcId={w.VpcA1}", null)),
        ["GET /api/security-groups/"] = new(Access.AnyUser, w => ($"/api/security-groups?vpcId={w.VpcA1}", null)),
        ["GET /api/registration-keys/"] = new(Access.AnyUser, w => ($"/api/registration-keys?vpcId={w.VpcA1}", null)),
        ["GET /api/relay-regions/"] = new(Access.AnyUser, _ => ("/api/relay-regions", null)),
        ["GET /api/invitations/"] = new(Access.AnyUser, _ => ("/api/invitations", null)),
        ["POST /api/organizations/"] = new(Access.AnyUser, _ => ("/api/organizations", new { name = "new-" + Guid.NewGuid().ToString("N")[..6] })),

        // Organization A's objects, readable by its members.
        ["GET /api/organizations/{id:guid}"] = new(Access.Member, w => ($"/api/organizations/{w.OrgA}", null)),
        ["GET /api/organizations/{id:guid}/members"] = new(Access.Member, w => ($"/api/organizations/{w.OrgA}/members", null)),
        ["GET /api/vpcs/{id:guid}"] = new(Access.Member, w => ($"/api/vpcs/{w.VpcA1}", null)),
        ["GET /api/devices/{id:guid}"] = new(Access.Member, w => ($"/api/devices/{w.DevA1.DeviceId}", null)),
        ["GET /api/devices/{id:guid}/metadata"] = new(Access.Member, w => ($"/api/devices/{w.DevA1.DeviceId}/metadata", null)),
        ["GET /api/security-groups/{id:guid}"] = new(Access.Member, w => ($"/api/security-groups/{w.SgA1}", null)),
        ["POST /api/enroll"] = new(Access.Member, w => ("/api/enroll", new
        {
            nodeKey = PrivateKey.Generate().PublicKey.ToString(),
            hostname = "n" + Guid.NewGuid().ToString("N")[..8],
            vpcId = w.VpcA1,
        })),

        // Administration of organization A.
        ["PATCH /api/organizations/{id:guid}"] = new(Access.Admin, w => ($"/api/organizations/{w.OrgA}", new { description = "changed" })),
        ["GET /api/organizations/{id:guid}/invitations/"] = new(Access.Admin, w => ($"/api/organizations/{w.OrgA}/invitations", null)),
        ["POST /api/organizations/{id:guid}/invitations/"] = new(Access.Admin, w => ($"/api/organizations/{w.OrgA}/invitations", new { email = "x@example.test" })),
        ["PATCH /api/organizations/{id:guid}/members/{userId:guid}"] = new(Access.Admin, w => ($"/api/organizations/{w.OrgA}/members/{w.FrankId}", new { role = "member" })),
        ["DELETE /api/organizations/{id:guid}/members/{userId:guid}"] = new(Access.Admin, w => ($"/api/organizations/{w.OrgA}/members/{w.FrankId}", null), Order: 10),
        ["POST /api/vpcs/"] = new(Access.Admin, w => ("/api/vpcs", new { organizationId = w.OrgA, name = "v" + Guid.NewGuid().ToString("N")[..8] })),
        ["PATCH /api/vpcs/{id:guid}"] = new(Access.Admin, w => ($"/api/vpcs/{w.VpcA1}", new { description = "changed" })),
        ["DELETE /api/vpcs/{id:guid}"] = new(Access.Admin, w => ($"/api/vpcs/{w.VpcVictim}", null), Order: 20),
        ["PATCH /api/devices/{id:guid}"] = new(Access.Admin, w => ($"/api/devices/{w.DevA1.DeviceId}", new { hostname = "a1-renamed" })),
        ["DELETE /api/devices/{id:guid}"] = new(Access.Admin, w => ($"/api/devices/{w.DevVictim.DeviceId}", null), Order: 10),
        ["PUT /api/devices/{id:guid}/metadata"] = new(Access.Admin, w => ($"/api/devices/{w.DevA1.DeviceId}/metadata", new Dictionary<string, string> { ["k"] = "v" })),
        ["GET /api/registration-keys/{id:guid}"] = new(Access.Admin, w => ($"/api/registration-keys/{w.KeyA1}", null)),
        ["POST /api/registration-keys/"] = new(Access.Admin, w => ("/api/registration-keys", new { vpcId = w.VpcA1 })),
        ["DELETE /api/registration-keys/{id:guid}"] = new(Access.Admin, w => ($"/api/registration-keys/{w.KeyA1}", null), Order: 30),
        ["POST /api/security-groups/"] = new(Access.Admin, w => ("/api/security-groups", new { vpcId = w.VpcA1, name = "g" + Guid.NewGuid().ToString("N")[..8] })),
        ["PUT /api/security-groups/{id:guid}"] = new(Access.Admin, w => ($"/api/security-groups/{w.SgVictim}", new { description = "changed" })),
        ["DELETE /api/security-groups/{id:guid}"] = new(Access.Admin, w => ($"/api/security-groups/{w.SgVictim}", null), Order: 10),
        ["GET /api/audit-events/"] = new(Access.Admin, w => ($"/api/audit-events?organizationId={w.OrgA}", null)),
        ["DELETE /api/invitations/{invitationId:guid}"] = new(Access.Admin, w => ($"/api/invitations/{w.Inv3}", null), Order: 5),
        ["POST /api/relay-regions/"] = new(Access.Admin, w => ("/api/relay-regions", new
        {
            id = Random.Shared.Next(2, 29_999),
            organizationId = w.OrgA,
            code = "c" + Guid.NewGuid().ToString("N")[..8],
            name = "n",
        })),
        ["DELETE /api/relay-regions/{id:int}"] = new(Access.Admin, w => ($"/api/relay-regions/{w.RegionA}", null), Order: 40),
        ["POST /api/relay-regions/{id:int}/nodes"] = new(Access.Admin, w => ($"/api/relay-regions/{w.RegionA}/nodes", RelayNode())),
        ["PUT /api/relay-regions/{id:int}/nodes/{nodeId:guid}"] = new(Access.Admin, w => ($"/api/relay-regions/{w.RegionA}/nodes/{w.NodeA}", RelayNode())),
        ["DELETE /api/relay-regions/{id:int}/nodes/{nodeId:guid}"] = new(Access.Admin, w => ($"/api/relay-regions/{w.RegionA}/nodes/{w.NodeA}", null), Order: 30),

        ["DELETE /api/organizations/{id:guid}"] = new(Access.Owner, w => ($"/api/organizations/{w.OrgA}", null), Order: 100),

        ["POST /api/admin/users"] = new(Access.ServerAdmin, _ => ("/api/admin/users", new { userName = "u" + Guid.NewGuid().ToString("N")[..8], password = "long-enough-password" })),

        ["POST /api/invitations/{invitationId:guid}/accept"] = new(Access.Invitee, w => ($"/api/invitations/{w.Inv1}/accept", null)),
        ["POST /api/invitations/{invitationId:guid}/decline"] = new(Access.Invitee, w => ($"/api/invitations/{w.Inv2}/decline", null)),

        // The node's own calls: the credential names the device, so another device only ever sees itself.
        ["GET /api/device/"] = new(Access.Device, _ => ("/api/device", null)),
        ["GET /api/device/netmap"] = new(Access.Device, _ => ("/api/device/netmap", null), Stream: true),
        ["PUT /api/device/status"] = new(Access.Device, _ => ("/api/device/status", new { endpoints = new[] { "192.0.2.1:41641" }, natMapping = "eim" })),
    };

    private static MatrixEntry Public(Func<TenancyWorld, string> path) => new(Access.Public, w => (path(w), null));

    private static object RelayNode() => new { name = "n" + Guid.NewGuid().ToString("N")[..6], hostName = "relay.example.com", publicKey = PrivateKey.Generate().PublicKey.ToString() };
}
