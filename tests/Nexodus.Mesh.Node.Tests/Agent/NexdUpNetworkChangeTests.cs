using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Nexodus.Mesh.Netsim;
using Nexodus.Mesh.Netsim.Scenarios;
using Nexodus.Mesh.Node.LocalApi;
using Nexodus.Mesh.TestDoubles;

namespace Nexodus.Mesh.Node.Tests.Agent;

/// <summary>A running `nexd up` notices a new host address by itself: rediscovered, reported, offered to peers.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class NexdUpNetworkChangeTests
{
    private static readonly TimeSpan Startup = TimeSpan.FromSeconds(60);

    [RootFact]
    public async Task Up_HostGainsAnAddress_EndpointsRediscoveredWithoutRestart()
    {
        await using var lab = await LabControl.StartLabAsync("nexdnet", nodes: 1);
        await using var control = await LabControl.StartAsync(lab.Host("ctrl"));
        var (_, regKey) = await control.CreateVpcAndKeyAsync();
        var work = Directory.CreateTempSubdirectory("nexd-netchange-").FullName;
        var socket = Path.Combine(work, "nexd.sock");
        try
        {
            await using var a = lab.Host("a").StartProcess(["dotnet", BinaryPaths.Nexd, "up", "--control", control.Url, "--state-dir", Path.Combine(work, "state"),
                "--hostname", "node-a", "--interface", "nxn0", "--reg-key", regKey, "--local-api", socket, "--verbose"]);
            await a.WaitForOutputAsync("nexd: state Running", Startup);
            using var api = new LocalApiClient(socket);
            Assert.DoesNotContain("198.51.100.77:", await EndpointsAsync(api), StringComparison.Ordinal);

            // The host's link (the one holding its lab address) gains a second address while nexd runs.
            var links = await lab.Host("a").ExecAsync("ip", "-o", "-4", "address", "show");
            var link = links.StandardOutput.Split('\n').First(l => l.Contains("203.0.113.11/", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
            var added = await lab.Host("a").ExecAsync("ip", "address", "add", "198.51.100.77/24", "dev", link);
            Assert.True(added.Succeeded, added.StandardError);
            var watch = Stopwatch.StartNew();

            string endpoints;
            do
            {
                await Task.Delay(100);
                endpoints = await EndpointsAsync(api);
            }
            while (!endpoints.Contains("198.51.100.77:", StringComparison.Ordinal) && watch.Elapsed < TimeSpan.FromSeconds(10));

            Assert.True(endpoints.Contains("198.51.100.77:", StringComparison.Ordinal), $"endpoints {endpoints} after {watch.Elapsed.TotalSeconds:0.0} s\n{a.Output}");
            Assert.Contains("network changed", a.Output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task<string> EndpointsAsync(LocalApiClient api) =>
        JsonDocument.Parse(await api.GetAsync("/v1/status")).RootElement.GetProperty("endpoints").ToString();
}
