using System.Diagnostics;
using System.Net;
using Nexodus.Mesh.Netsim.Scenarios;
using Nexodus.Mesh.TestDoubles;

namespace Nexodus.Mesh.Netsim.Tests;

public sealed class TeardownTests
{
    [RootFact]
    public async Task Dispose_RemovesNamespacesProcessesAndState()
    {
        var lab = await Lab.StartAsync(BuiltInScenarios.Load("cgnat"));
        var run = lab.RunName;
        var sleeper = lab.Host("alice").StartProcess("sleep", "600");
        using (lab.Host("bob").OpenUdpSocket(new IPEndPoint(IPAddress.Any, 0)))
        {
        }

        Assert.Equal(8, NamespacesOf(run).Count); // 3 networks, 2 routers, 3 hosts
        Assert.True(Directory.Exists(lab.StateDirectory));
        await lab.DisposeAsync();

        Assert.Empty(NamespacesOf(run));
        Assert.False(Directory.Exists(lab.StateDirectory));
        Assert.True(sleeper.HasExited);
        Assert.DoesNotContain(LabRuns.List(), r => r.Run == run);
        await sleeper.DisposeAsync();
    }

    [RootFact]
    public async Task Sweep_AfterTheOwnerWasKilled_RemovesEverything()
    {
        var run = "crash" + Random.Shared.Next(100, 999);
        var cli = Path.Combine(AppContext.BaseDirectory, "netsim.dll");
        using var owner = Process.Start(new ProcessStartInfo("dotnet", [cli, "up", "eim-apdf", "--name", run, "--foreground"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        try
        {
            string? line;
            while ((line = await owner.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60))) is not null && !line.Contains("foreground", StringComparison.Ordinal))
            {
            }

            Assert.NotNull(line);
            var info = Assert.Single(LabRuns.List(), r => r.Run == run);
            Assert.True(info.OwnerAlive);
            Assert.Equal(owner.Id, info.OwnerPid);

            // A process started in a host, as a test would (e.g. a peer daemon).
            using var orphan = Process.Start(new ProcessStartInfo("ip", ["netns", "exec", $"nsim-{run}-alice", "sleep", "600"]))!;

            // A live owner protects its run from a sweep.
            Assert.DoesNotContain(run, await LabRuns.SweepAsync());
            Assert.NotEmpty(NamespacesOf(run));

            owner.Kill();
            await owner.WaitForExitAsync();
            Assert.NotEmpty(NamespacesOf(run));
            Assert.False(Assert.Single(LabRuns.List(), r => r.Run == run).OwnerAlive);

            Assert.Contains(run, await LabRuns.SweepAsync());
            Assert.Empty(NamespacesOf(run));
            Assert.False(Directory.Exists($"/run/netsim/{run}"));
            Assert.True(orphan.WaitForExit(TimeSpan.FromSeconds(5)), "the process left in the host must be killed by the sweep");
        }
        finally
        {
            if (!owner.HasExited)
            {
                owner.Kill();
            }

            await LabRuns.DownAsync(run);
        }
    }

    [RootFact]
    public async Task CancelledStart_LeavesNothingBehind()
    {
        // Cancel while the lab is half built (a build takes several hundred ms): what was made must go.
        var run = "half" + Random.Shared.Next(100, 999);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(120));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Lab.StartAsync(BuiltInScenarios.Load("cgnat"), new LabOptions { RunName = run }, cts.Token));
        Assert.Empty(NamespacesOf(run));
        Assert.False(Directory.Exists($"/run/netsim/{run}"));
    }

    private static List<string> NamespacesOf(string run) =>
        Directory.EnumerateFiles("/run/netns", $"nsim-{run}-*").ToList();
}
