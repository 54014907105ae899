using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Nexodus.Mesh.TestDoubles;
using Xunit.Abstractions;

namespace Nexodus.Mesh.EndToEnd.Tests;

/// <summary>
/// Security groups enforced by the receiving node: a group allowing only TCP 22 inbound drops ping and TCP 80 at the
/// receiver, and an API change takes effect within 1 s, in both directions (closing and reopening).
/// </summary>
[Collection(MeshCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PolicyTests(MeshLab mesh, ReportSink report, ITestOutputHelper output) : IClassFixture<ReportSink>
{
    [RootFact]
    public async Task SecurityGroupAllowsOnlyTcp22_ReceiverDropsPingAndTcp80_ChangeWithin1s()
    {
        var (vpc, key) = await mesh.Control.CreateVpcAndKeyAsync();
        await using var a = NexdNode.Start(mesh.Lab.Host("pola"), mesh.Control.Url, key);
        await using var b = NexdNode.Start(mesh.Lab.Host("polb"), mesh.Control.Url, key);
        await Task.WhenAll(a.WaitRunningAsync(), b.WaitRunningAsync());
        using var ssh = b.Host.OpenTcpListener(new IPEndPoint(IPAddress.Parse(b.TunnelIp!), 22));
        using var web = b.Host.OpenTcpListener(new IPEndPoint(IPAddress.Parse(b.TunnelIp!), 80));
        await using var ping = PingRecorder.Start(a.Host, b.TunnelIp!);
        Assert.NotNull(await ping.WaitReplyAfterAsync(DateTimeOffset.UtcNow, TimeSpan.FromSeconds(15)));
        Assert.True(await CanConnectAsync(a, b, 80), "TCP 80 through the tunnel failed before any policy was set");

        var group = await DefaultGroupAsync(vpc);
        var changeAt = DateTimeOffset.UtcNow;
        await PutInboundAsync(group, new { protocol = "tcp", fromPort = 22, toPort = 22, cidrs = new[] { "100.64.0.0/10" } });
        await Task.Delay(TimeSpan.FromSeconds(2));
        var last = ping.LastReplyBefore(DateTimeOffset.UtcNow);
        var effective = last is { } l && l > changeAt ? l - changeAt : TimeSpan.Zero;
        report.Print(output, string.Create(CultureInfo.InvariantCulture, $"policy: last ping reply {effective.TotalMilliseconds:0} ms after the security group change"));
        Assert.True(effective < TimeSpan.FromSeconds(1), $"ping still answered {effective.TotalMilliseconds:0} ms after the change");
        Assert.Null(ping.FirstReplyAfter(changeAt + TimeSpan.FromSeconds(1)));
        Assert.False(await CanConnectAsync(a, b, 80), "TCP 80 passed a group that allows only TCP 22");
        Assert.True(await CanConnectAsync(a, b, 22), "TCP 22 was dropped although the group allows it");

        // Open again: traffic returns within 1 s of the change.
        var reopenAt = DateTimeOffset.UtcNow;
        await PutInboundAsync(group, new { protocol = "any", fromPort = 0, toPort = 0, cidrs = new[] { "100.64.0.0/10" } });
        var back = await ping.WaitReplyAfterAsync(reopenAt, TimeSpan.FromSeconds(5));
        Assert.NotNull(back);
        Assert.True(back!.Value - reopenAt < TimeSpan.FromSeconds(1), $"ping answered again only {(back.Value - reopenAt).TotalMilliseconds:0} ms after reopening");
    }

    private static async Task<bool> CanConnectAsync(NexdNode from, NexdNode to, int port)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            using var s = await from.Host.ConnectTcpAsync(new IPEndPoint(IPAddress.Parse(to.TunnelIp!), port), cts.Token);
            return true;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException)
        {
            return false;
        }
    }

    private async Task<JsonElement> DefaultGroupAsync(Guid vpc)
    {
        using var req = new HttpRequestMessage(HttpMethod.Get, $"/api/security-groups?vpcId={vpc}");
        using var res = await mesh.Control.SendAsync(req);
        var list = JsonDocument.Parse(await res.Content.ReadAsStringAsync()).RootElement;
        return list.EnumerateArray().First(g => g.GetProperty("name").GetString() == "default").Clone();
    }

    private async Task PutInboundAsync(JsonElement group, object rule)
    {
        using var req = new HttpRequestMessage(HttpMethod.Put, $"/api/security-groups/{group.GetProperty("id").GetGuid()}")
        {
            Content = JsonContent.Create(new
            {
                name = group.GetProperty("name").GetString(),
                description = group.GetProperty("description").GetString(),
                inboundRules = new[] { rule },
                outboundRules = group.GetProperty("outboundRules"),
            }),
        };
        using var res = await mesh.Control.SendAsync(req);
        Assert.True(res.IsSuccessStatusCode, await res.Content.ReadAsStringAsync());
    }
}
