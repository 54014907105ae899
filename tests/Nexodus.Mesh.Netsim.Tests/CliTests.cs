using System.Diagnostics;
using Nexodus.Mesh.TestDoubles;

namespace Nexodus.Mesh.Netsim.Tests;

/// <summary>The real <c>netsim</c> binary, run as a child process.</summary>
public sealed class CliTests
{
    [Fact]
    public async Task Up_BadScenarioFile_ExitsWith2_AndNamesTheField()
    {
        var path = Path.Combine(Path.GetTempPath(), $"netsim-cli-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(path, "name: x\nnetworks:\n  internet: 203.0.113.0/24\n  lan: 10.0.0.0/24\nrouters:\n  r: { wan: internet, lan: lan, nat: { mapping: cone } }\n");
        try
        {
            var (code, _, err) = await RunAsync("up", path);
            Assert.Equal(2, code);
            Assert.Contains("routers.r.nat.mapping: 'cone' is not one of: eim, adm, apdm", err, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Scenarios_ListsTheBuiltIns()
    {
        var (code, output, _) = await RunAsync("scenarios");
        Assert.Equal(0, code);
        Assert.Contains("apdm-apdf", output, StringComparison.Ordinal);
        Assert.Contains("2 NAT layer(s)", output, StringComparison.Ordinal);
    }

    [RootFact]
    public async Task UpExecListDown_RoundTrip()
    {
        var run = "cli" + Random.Shared.Next(1000, 9999);
        try
        {
            var (code, output, err) = await RunAsync("up", "cgnat", "--name", run);
            Assert.True(code == 0, err);
            Assert.Contains($"run {run} (scenario cgnat)", output, StringComparison.Ordinal);
            Assert.Contains("host    alice        192.168.1.10 (lan, behind home)", output, StringComparison.Ordinal);

            var list = await RunAsync("list");
            Assert.Contains($"{run,-8} cgnat", list.Output, StringComparison.Ordinal);
            Assert.Contains("detached", list.Output, StringComparison.Ordinal);

            var exec = await RunAsync("exec", run, "alice", "--", "sh", "-c", "ip -4 -o addr show dev eth0; exit 5");
            Assert.Equal(5, exec.Code);
            Assert.Contains("192.168.1.10/24", exec.Output, StringComparison.Ordinal);

            var unknown = await RunAsync("exec", run, "nobody", "--", "true");
            Assert.Equal(2, unknown.Code);
            Assert.Contains("nodes: alice, bob, carrier, cgn, home, internet, lan, stun", unknown.Error, StringComparison.Ordinal);

            Assert.Equal(0, (await RunAsync("down", run)).Code);
            Assert.Empty(Directory.EnumerateFiles("/run/netns", $"nsim-{run}-*"));
            Assert.Equal(1, (await RunAsync("down", run)).Code);
        }
        finally
        {
            await LabRuns.DownAsync(run);
        }
    }

    [RootFact]
    public async Task Grid_SmallMatrix_AgreesWithThePrediction()
    {
        var (code, output, err) = await RunAsync("grid", "--nat", "eim-apdf", "apdm-apdf");
        Assert.True(code == 0, output + err);
        Assert.Contains("RELAY", output, StringComparison.Ordinal);
        Assert.Contains("yes", output, StringComparison.Ordinal);
        Assert.DoesNotContain("!", output.Split('\n').Skip(2).Aggregate(string.Empty, (a, l) => a + l), StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "netsim.dll"), .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
        return (p.ExitCode, await output, await error);
    }
}
