using System.Net;
using System.Text;
using Nexodus.Mesh.Core.Contracts;
using Nexodus.Mesh.Core.Keys;

namespace Nexodus.Mesh.Control.Tests.Infrastructure;

/// <summary>Builders for the usual cast: admin, users, organizations, enrolled devices.</summary>
internal static class World
{
    public static async Task<ControlClient> AdminAsync(ControlHost host)
    {
        var c = host.Client();
        await c.LoginAsync("admin", ControlHost.AdminPassword);
        return c;
    }

    public static async Task<(ControlClient Client, Guid UserId)> UserAsync(ControlHost host, ControlClient admin, string name)
    {
        var userName = name + "-" + Guid.NewGuid().ToString("N")[..6];
        var (status, body) = await admin.PostAsync("/api/admin/users", new { userName, password = "password-for-" + userName, email = userName + "@example.test" });
        Assert.Equal(HttpStatusCode.Created, status);
        var c = host.Client();
        await c.LoginAsync(userName, "password-for-" + userName);
        return (c, body.GetProperty("id").GetGuid());
    }

    public static async Task<(Guid OrgId, Guid VpcId)> OrgAsync(ControlClient owner, string name)
    {
        var (status, body) = await owner.PostAsync("/api/organizations", new { name });
        Assert.Equal(HttpStatusCode.Created, status);
        var orgId = body.GetProperty("id").GetGuid();
        var (_, vpcs) = await owner.GetAsync($"/api/vpcs?organizationId={orgId}");
        return (orgId, vpcs[0].GetProperty("id").GetGuid());
    }

    public static async Task<string> RegistrationKeyAsync(ControlClient admin, Guid vpcId, bool singleUse, Guid? securityGroupId = null)
    {
        var (status, body) = await admin.PostAsync("/api/registration-keys", new { vpcId, singleUse, securityGroupId });
        Assert.Equal(HttpStatusCode.Created, status);
        return body.GetProperty("secret").GetString()!;
    }

    /// <summary>Enrolls a fresh node key with a registration key; returns a client authenticated as the device.</summary>
    public static async Task<Node> EnrollAsync(ControlHost host, string regKey, string hostname)
    {
        var key = PrivateKey.Generate();
        var c = host.Client();
        var (status, body) = await c.PostAsync("/api/enroll", new EnrollRequest
        {
            NodeKey = key.PublicKey.ToString(),
            DiscoKey = PrivateKey.Generate().PublicKey.ToString(),
            Hostname = hostname,
            Os = "linux",
            RegistrationKey = regKey,
        });
        Assert.True(status == HttpStatusCode.Created, $"{status} {body}");
        Assert.True(SealedBox.TryOpen(key, Convert.FromBase64String(body.GetProperty("sealedCredential").GetString()!), out var credential));
        c.UseDevice(Encoding.UTF8.GetString(credential));
        return new Node(key, body.GetProperty("deviceId").GetGuid(), Encoding.UTF8.GetString(credential), c, body.GetProperty("ipv4").GetString()!);
    }

    internal sealed record Node(PrivateKey Key, Guid DeviceId, string Credential, ControlClient Client, string Ipv4);
}
