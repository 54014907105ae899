using System.Net;
using System.Text.Json;
using Nexodus.Mesh.Netsim;
using Nexodus.Mesh.Netsim.Scenarios;
using Nexodus.Mesh.TestDoubles;

namespace Nexodus.Mesh.Node.Tests.Agent;

/// <summary>
/// `nexd up` as a process against the real control binary (embedded relay + STUN), every party in its own lab
/// namespace on a simulated public network: enrollment, tunnel traffic, restart keeping identity, refusals.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class NexdUpLabTests
{
    private static readonly TimeSpan Startup = TimeSpan.FromSeconds(60);

    [RootFact]
    public async Task Up_TwoNodesEnrollWithRegistrationKey_PingEachOther_RestartKeepsIdentity()
    {
        await using var lab = await LabControl.StartLabAsync("nexdup");
        await using var control = await LabControl.StartAsync(lab.Host("ctrl"));
        var (_, regKey) = await control.CreateVpcAndKeyAsync();
        var stateA = TempDir();
        var stateB = TempDir();
        try
        {
            var a = Up(lab.Host("a"), control, stateA, "node-a", regKey);
            await using var b = Up(lab.Host("b"), control, stateB, "node-b", regKey);
            var enrolledA = await a.WaitForOutputAsync(l => l.StartsWith("nexd: enrolled as node-a ", StringComparison.Ordinal), Startup);
            var enrolledB = await b.WaitForOutputAsync(l => l.StartsWith("nexd: enrolled as node-b ", StringComparison.Ordinal), Startup);
            var ipA = enrolledA.Split(' ')[4];
            var ipB = enrolledB.Split(' ')[4];
            await a.WaitForOutputAsync("nexd: state Running", Startup);
            await b.WaitForOutputAsync("nexd: state Running", Startup);
            await b.WaitForOutputAsync(l => l.StartsWith("nexd: peer node-a path ", StringComparison.Ordinal), Startup);

            await PingAsync(lab.Host("a"), ipB, a, b);
            await PingAsync(lab.Host("b"), ipA, a, b);

            // The state dir holds 0600 files and a 0700 directory; the credential is stored sealed.
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(stateA));
            foreach (var file in Directory.GetFiles(stateA))
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            }

            Assert.DoesNotContain("ndc_", await File.ReadAllTextAsync(Path.Combine(stateA, "credential.sealed")), StringComparison.Ordinal);
            var nodeKeyBefore = await File.ReadAllTextAsync(Path.Combine(stateA, "node.key"));
            var portBefore = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(stateA, "device.json"))).RootElement.GetProperty("listenPort").GetInt32();
            Assert.NotEqual(0, portBefore);

            // SIGTERM: clean exit 0 and the Stopped line.
            a.Signal(15);
            var exit = await a.WaitForExitAsync(TimeSpan.FromSeconds(20));
            Assert.True(exit == 0, $"exit {exit}\n{a.Output}");
            Assert.Contains("nexd: state Stopped", a.StandardOutputLines);
            await a.DisposeAsync();

            // Restart without a registration key: same key, address and port; no new enrollment; traffic flows again.
            await using var again = Up(lab.Host("a"), control, stateA, "node-a", regKey: null);
            await again.WaitForOutputAsync("nexd: state Running", Startup);
            Assert.DoesNotContain(again.StandardOutputLines, l => l.StartsWith("nexd: enrolled", StringComparison.Ordinal));
            Assert.Equal(nodeKeyBefore, await File.ReadAllTextAsync(Path.Combine(stateA, "node.key")));
            var device = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(stateA, "device.json"))).RootElement;
            Assert.Equal(ipA, device.GetProperty("ipv4").GetString());
            Assert.Equal(portBefore, device.GetProperty("listenPort").GetInt32());
            await PingAsync(lab.Host("a"), ipB);
            await PingAsync(lab.Host("b"), ipA);
        }
        finally
        {
            Directory.Delete(stateA, recursive: true);
            Directory.Delete(stateB, recursive: true);
        }
    }

    [RootFact]
    public async Task Up_BadRegistrationKey_Exit3_ControlRefusal()
    {
        await using var lab = await LabControl.StartLabAsync("nexdbad", nodes: 1);
        await using var control = await LabControl.StartAsync(lab.Host("ctrl"));
        var state = TempDir();
        try
        {
            await using var a = Up(lab.Host("a"), control, state, "node-a", "nrk_not-a-real-key");
            Assert.Equal(3, await a.WaitForExitAsync(Startup));
            var error = Assert.Single(a.StandardOutputLines, l => l.StartsWith("nexd: error: ", StringComparison.Ordinal));
            Assert.Contains("--reg-key", error, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(state, "credential.sealed")));
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }

    private static LabProcess Up(LabHost host, LabControl control, string stateDir, string hostname, string? regKey)
    {
        List<string> argv = ["dotnet", BinaryPaths.Nexd, "up", "--control", control.Url, "--state-dir", stateDir, "--hostname", hostname,
            "--interface", "nx" + hostname[^1] + "0", "--local-api", "off", "--verbose"];
        if (regKey is not null)
        {
            argv.AddRange(["--reg-key", regKey]);
        }

        return host.StartProcess(argv);
    }

    private static async Task PingAsync(LabHost from, string to, params LabProcess[] context)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        ExecResult result;
        do
        {
            result = await from.ExecAsync("ping", "-c", "1", "-W", "1", to);
        }
        while (!result.Succeeded && DateTime.UtcNow < deadline);

        Assert.True(result.Succeeded, $"ping {to} from {from.Name}: {result.StandardOutput}{result.StandardError}\n" + string.Join("\n----\n", context.Select(p => p.Output)));
    }

    private static string TempDir() => Path.Combine(Path.GetTempPath(), "nexd-state-" + Guid.NewGuid().ToString("N")[..8]);
}
