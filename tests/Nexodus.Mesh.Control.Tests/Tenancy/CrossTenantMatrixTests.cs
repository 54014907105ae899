using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Nexodus.Mesh.Control.Tests.Infrastructure;

namespace Nexodus.Mesh.Control.Tests.Tenancy;

/// <summary>
/// For every endpoint of the service (enumerated from the endpoint data source, so a new endpoint without a row in
/// <see cref="TenancyMatrix"/> fails the build of trust): a user of another organization, a device of another VPC, a
/// device of another organization, a lower role and an anonymous caller get 401/403/404 — or, where the endpoint is a
/// per-caller view, only their own data — and never an id of organization A. Then the rightful caller runs the same
/// requests and succeeds, which proves the refusals were about who asked, not about malformed requests.
/// </summary>
public abstract class CrossTenantMatrixTests(HostFixture fixture)
{
    private ControlHost Host => fixture.Host;

    private enum Caller
    {
        Anonymous,
        OtherOrganization,
        LowerRole,
        DeviceOfOtherVpc,
        DeviceOfOtherOrganization,
    }

    [Fact]
    public void Matrix_HasARowForEveryEndpoint_AndNoStaleRows()
    {
        var endpoints = EndpointKeys(Host);
        var missing = endpoints.Except(TenancyMatrix.Entries.Keys).Order(StringComparer.Ordinal).ToList();
        var stale = TenancyMatrix.Entries.Keys.Except(endpoints).Order(StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0, "endpoints without a tenancy matrix row (add them to TenancyMatrix):\n" + string.Join('\n', missing));
        Assert.True(stale.Count == 0, "matrix rows for endpoints that no longer exist:\n" + string.Join('\n', stale));
    }

    [Fact]
    public async Task EveryEndpoint_OutsidersGetNothing_RightfulCallerSucceeds()
    {
        using var w = await TenancyWorld.CreateAsync(Host);
        var failures = new List<string>();
        foreach (var (key, entry) in TenancyMatrix.Entries.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            foreach (var caller in Enum.GetValues<Caller>())
            {
                var (client, foreign) = Outsider(w, caller, entry.Access);
                var expected = Expected(entry.Access, caller);
                if (client is null || expected is null)
                {
                    continue;
                }

                var (path, body) = entry.Build(w);
                var (status, text) = await SendAsync(client, Method(key), path, body, entry.Stream);
                if (!expected(status))
                {
                    failures.Add($"{key} as {caller}: got {(int)status} {Shorten(text)}");
                }

                foreach (var id in foreign.Where(id => text.Contains(id, StringComparison.OrdinalIgnoreCase)))
                {
                    failures.Add($"{key} as {caller}: response contains foreign id {id}");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
        await AssertOrganizationAUntouchedAsync(w);

        // The same requests by the rightful caller succeed (destructive ones last).
        foreach (var (key, entry) in TenancyMatrix.Entries.OrderBy(e => e.Value.Order).ThenBy(e => e.Key, StringComparer.Ordinal))
        {
            var (path, body) = entry.Build(w);
            var (status, text) = await SendAsync(Rightful(w, entry.Access), Method(key), path, body, entry.Stream);
            var ok = entry.Access == Access.Public ? (int)status < 500 : (int)status is >= 200 and < 300;
            if (!ok)
            {
                failures.Add($"{key} as the rightful caller: got {(int)status} {Shorten(text)}");
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    internal static HashSet<string> EndpointKeys(ControlHost host) =>
        host.App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(EndpointKeys).ToHashSet(StringComparer.Ordinal);

    /// <summary>"METHOD route-pattern" per method of the endpoint ("*" when it takes any method).</summary>
    internal static IEnumerable<string> EndpointKeys(RouteEndpoint endpoint)
    {
        var pattern = endpoint.RoutePattern.RawText ?? endpoint.DisplayName ?? "?";
        var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods;
        return methods is null || methods.Count == 0 ? ["* " + pattern] : methods.Select(m => m + " " + pattern);
    }

    internal static async Task<(HttpStatusCode Status, string Body)> SendAsync(ControlClient client, HttpMethod method, string path, object? body, bool stream = false)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is string raw)
        {
            request.Content = new StringContent(raw, Encoding.UTF8, "application/json");
        }
        else if (body is not null)
        {
            request.Content = JsonContent.Create(body, options: ControlClient.Json);
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var response = await client.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        if (stream && response.IsSuccessStatusCode)
        {
            // A netmap stream never ends: its first line is the whole answer we judge.
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));
            return (response.StatusCode, await reader.ReadLineAsync(cts.Token) ?? "");
        }

        return (response.StatusCode, await response.Content.ReadAsStringAsync(cts.Token));
    }

    private static HttpMethod Method(string key) => key[..key.IndexOf(' ', StringComparison.Ordinal)] is var m && m != "*" ? new HttpMethod(m) : HttpMethod.Get;

    private static (ControlClient? Client, IReadOnlyList<string> Foreign) Outsider(TenancyWorld w, Caller caller, Access access) => caller switch
    {
        Caller.Anonymous => (w.Anonymous, w.AllOfOrgA),
        Caller.OtherOrganization => (w.Bob, w.AllOfOrgA),
        Caller.DeviceOfOtherVpc => (w.DevA2.Client, w.ForeignToVpcA2),
        Caller.DeviceOfOtherOrganization => (w.DevB.Client, w.AllOfOrgA),
        // "Lower" is below what the endpoint needs: a plain member for admin endpoints, an admin for owner endpoints.
        Caller.LowerRole => access switch
        {
            Access.Owner => (w.Dave, []),
            Access.Public or Access.Member => (null, []),
            _ => (w.Carol, w.AdminOnlyOfOrgA),
        },
        _ => throw new ArgumentOutOfRangeException(nameof(caller)),
    };

    private static Func<HttpStatusCode, bool>? Expected(Access access, Caller caller) => (access, caller) switch
    {
        (Access.Public, _) => s => (int)s < 500,
        (_, Caller.Anonymous) => s => s == HttpStatusCode.Unauthorized,
        (Access.Device, Caller.DeviceOfOtherVpc or Caller.DeviceOfOtherOrganization) => s => (int)s is >= 200 and < 300,
        (_, Caller.DeviceOfOtherVpc or Caller.DeviceOfOtherOrganization) => s => s == HttpStatusCode.Forbidden,
        (Access.Device, _) => s => s == HttpStatusCode.Forbidden,
        (Access.AnyUser, _) => s => (int)s is >= 200 and < 300,
        (Access.ServerAdmin, _) => s => s == HttpStatusCode.Forbidden,
        // Another organization's objects do not exist for the caller; an invitation addressed to someone else neither.
        (_, Caller.OtherOrganization) or (Access.Invitee, Caller.LowerRole) => s => s == HttpStatusCode.NotFound,
        (Access.Admin or Access.Owner, Caller.LowerRole) => s => s == HttpStatusCode.Forbidden,
        _ => null,
    };

    internal static ControlClient Rightful(TenancyWorld w, Access access) => access switch
    {
        Access.Public => w.Anonymous,
        Access.AnyUser or Access.Member => w.Carol,
        Access.Admin => w.Dave,
        Access.Owner => w.Alice,
        Access.ServerAdmin => w.ServerAdmin,
        Access.Invitee => w.Erin,
        Access.Device => w.DevA1.Client,
        _ => throw new ArgumentOutOfRangeException(nameof(access)),
    };

    /// <summary>The refused writes changed nothing.</summary>
    private static async Task AssertOrganizationAUntouchedAsync(TenancyWorld w)
    {
        var a = w.Alice;
        Assert.Equal("", (await a.GetAsync($"/api/organizations/{w.OrgA}")).Body.GetProperty("description").GetString());
        Assert.Equal("", (await a.GetAsync($"/api/vpcs/{w.VpcA1}")).Body.GetProperty("description").GetString());
        Assert.Equal(HttpStatusCode.OK, (await a.GetAsync($"/api/vpcs/{w.VpcVictim}")).Status);
        Assert.Equal("a1", (await a.GetAsync($"/api/devices/{w.DevA1.DeviceId}")).Body.GetProperty("hostname").GetString());
        Assert.Equal(HttpStatusCode.OK, (await a.GetAsync($"/api/devices/{w.DevVictim.DeviceId}")).Status);
        Assert.Empty((await a.GetAsync($"/api/devices/{w.DevA1.DeviceId}/metadata")).Body.EnumerateObject());
        Assert.False((await a.GetAsync($"/api/registration-keys/{w.KeyA1}")).Body.GetProperty("revoked").GetBoolean());
        Assert.Equal("", (await a.GetAsync($"/api/security-groups/{w.SgVictim}")).Body.GetProperty("description").GetString());
        var members = (await a.GetAsync($"/api/organizations/{w.OrgA}/members")).Body;
        Assert.Contains(members.EnumerateArray(), m => m.GetProperty("userId").GetGuid() == w.FrankId && m.GetProperty("role").GetString() == "member");
        Assert.Equal(4, members.GetArrayLength());
        var invitations = (await a.GetAsync($"/api/organizations/{w.OrgA}/invitations")).Body.EnumerateArray()
            .Where(i => new[] { w.Inv1, w.Inv2, w.Inv3 }.Contains(i.GetProperty("id").GetGuid())).ToList();
        Assert.Equal(3, invitations.Count);
        Assert.All(invitations, i => Assert.Equal("pending", i.GetProperty("status").GetString()));
        var (_, regions) = await a.GetAsync("/api/relay-regions");
        var region = regions.EnumerateArray().Single(r => r.GetProperty("id").GetInt32() == w.RegionA);
        Assert.Equal(w.NodeAKey, region.GetProperty("nodes").EnumerateArray().Single().GetProperty("publicKey").GetString());
        var (_, orgs) = await a.GetAsync("/api/organizations");
        Assert.Single(orgs.EnumerateArray(), o => o.GetProperty("id").GetGuid() == w.OrgA);
    }

    private static string Shorten(string text) => text.Length > 300 ? text[..300] + "…" : text;
}

public sealed class CrossTenantMatrixTestsSqlite(SqliteHostFixture f) : CrossTenantMatrixTests(f), IClassFixture<SqliteHostFixture>;

public sealed class CrossTenantMatrixTestsPostgres(PostgresHostFixture f) : CrossTenantMatrixTests(f), IClassFixture<PostgresHostFixture>;
