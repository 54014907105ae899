using System.Globalization;
using System.Net;
using Nexodus.Mesh.TestDoubles;
using Xunit.Abstractions;

namespace Nexodus.Mesh.EndToEnd.Tests;

/// <summary>Deleting a device through the API cuts it off: its peers stop reaching it within 2 s, the others are untouched.</summary>
[Collection(MeshCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class RevocationTests(MeshLab mesh, ReportSink report, ITestOutputHelper output) : IClassFixture<ReportSink>
{
    [RootFact]
    public async Task DeleteDevice_ThroughApi_PeersCannotReachItWithin2s()
    {
        var (vpc, key) = await mesh.Control.CreateVpcAndKeyAsync();
        await using var a = NexdNode.Start(mesh.Lab.Host("reva"), mesh.Control.Url, key);
        await using var b = NexdNode.Start(mesh.Lab.Host("revb"), mesh.Control.Url, key);
        await using var c = NexdNode.Start(mesh.Lab.Host("revc"), mesh.Control.Url, key);
        await Task.WhenAll(a.WaitRunningAsync(), b.WaitRunningAsync(), c.WaitRunningAsync());
        await using var toRevoked = PingRecorder.Start(b.Host, a.TunnelIp!);
        await using var bystanders = PingRecorder.Start(b.Host, c.TunnelIp!);
        Assert.NotNull(await toRevoked.WaitReplyAfterAsync(DateTimeOffset.UtcNow, TimeSpan.FromSeconds(15)));
        Assert.NotNull(await bystanders.WaitReplyAfterAsync(DateTimeOffset.UtcNow, TimeSpan.FromSeconds(15)));
        var id = await mesh.Control.DeviceIdAsync(vpc, "reva");

        var deleteAt = DateTimeOffset.UtcNow;
        Assert.Equal(HttpStatusCode.NoContent, await mesh.Control.DeleteDeviceAsync(id));
        await Task.Delay(TimeSpan.FromSeconds(4));
        var lastReply = toRevoked.LastReplyBefore(DateTimeOffset.UtcNow);
        var cutAfter = lastReply is { } l && l > deleteAt ? l - deleteAt : TimeSpan.Zero;
        report.Print(output, string.Create(CultureInfo.InvariantCulture,
            $"revocation: last reply from the deleted device {cutAfter.TotalMilliseconds:0} ms after DELETE; bystander longest gap {bystanders.LongestGap(deleteAt, DateTimeOffset.UtcNow).TotalMilliseconds:0} ms"));
        Assert.True(cutAfter < TimeSpan.FromSeconds(2), $"the deleted device still answered {cutAfter.TotalMilliseconds:0} ms after DELETE\n{b.Process.Output}");
        Assert.Null(toRevoked.FirstReplyAfter(deleteAt + TimeSpan.FromSeconds(2)));

        // The revoked node knows, and cannot reach anyone either; the others still reach each other.
        await a.Process.WaitForOutputAsync("nexd: state NeedsLogin (revoked", TimeSpan.FromSeconds(5));
        Assert.Null(await TunnelProbe.FirstPingAsync(a.Host, b.TunnelIp!, TimeSpan.FromSeconds(2)));
        Assert.True(bystanders.LongestGap(deleteAt, DateTimeOffset.UtcNow) < TimeSpan.FromSeconds(1), "the revocation disturbed revb <-> revc");
    }
}
