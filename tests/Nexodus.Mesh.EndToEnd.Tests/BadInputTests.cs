using System.Diagnostics;
using Nexodus.Mesh.TestDoubles;

namespace Nexodus.Mesh.EndToEnd.Tests;

/// <summary>
/// `nexd up` given bad input ends with a clear `nexd: error:` line and the documented exit code, quickly, and never
/// deletes anything: unreachable control (4), a bad registration key (3), a corrupted state dir (2).
/// </summary>
[Collection(MeshCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class BadInputTests(MeshLab mesh)
{
    private static readonly TimeSpan Exit = TimeSpan.FromSeconds(60);

    [RootFact]
    public async Task Up_ControlUnreachable_Exit4NamesControl()
    {
        var state = TempDir();
        try
        {
            // Nothing listens on .99: the address is on the lab's internet but no host has it.
            var watch = Stopwatch.StartNew();
            await using var p = mesh.Lab.Host("bad").StartProcess(NexdNode.Argv("http://203.0.113.99:443", "bad", state, "nrk_whatever"));
            Assert.Equal(4, await p.WaitForExitAsync(Exit));
            var error = Assert.Single(p.StandardOutputLines, l => l.StartsWith("nexd: error: ", StringComparison.Ordinal));
            Assert.Contains("--control", error, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(state, "credential.sealed")));
            Assert.True(watch.Elapsed < Exit, "no hang");
        }
        finally
        {
            DeleteQuietly(state);
        }
    }

    [RootFact]
    public async Task Up_BadRegistrationKey_Exit3NamesRegKey()
    {
        var state = TempDir();
        try
        {
            await using var p = mesh.Lab.Host("bad").StartProcess(NexdNode.Argv(mesh.Control.Url, "bad", state, "nrk_not-a-real-key"));
            Assert.Equal(3, await p.WaitForExitAsync(Exit));
            var error = Assert.Single(p.StandardOutputLines, l => l.StartsWith("nexd: error: ", StringComparison.Ordinal));
            Assert.Contains("--reg-key", error, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(state, "credential.sealed")));
        }
        finally
        {
            DeleteQuietly(state);
        }
    }

    [RootFact]
    public async Task Up_CorruptedStateDir_Exit2NamesFile_NothingDeleted()
    {
        var (_, key) = await mesh.Control.CreateVpcAndKeyAsync();
        await using var node = NexdNode.Start(mesh.Lab.Host("bad"), mesh.Control.Url, key, "badstate");
        await node.WaitRunningAsync();
        Assert.Equal(0, await node.StopAsync());

        foreach (var (file, garbage) in new[] { ("device.json", "{\"deviceId\": tru"), ("node.key", "not a key"), ("credential.sealed", "AAAA") })
        {
            var path = Path.Combine(node.StateDir, file);
            var original = await File.ReadAllBytesAsync(path);
            await File.WriteAllTextAsync(path, garbage);
            var before = Snapshot(node.StateDir);

            await using (var p = mesh.Lab.Host("bad").StartProcess(NexdNode.Argv(mesh.Control.Url, "badstate", node.StateDir, null)))
            {
                Assert.Equal(2, await p.WaitForExitAsync(Exit));
                var error = Assert.Single(p.StandardOutputLines, l => l.StartsWith("nexd: error: ", StringComparison.Ordinal));
                Assert.Contains(file, error, StringComparison.Ordinal);
            }

            // Same files, same bytes: the agent refused to start and touched nothing.
            Assert.Equal(before, Snapshot(node.StateDir));
            await File.WriteAllBytesAsync(path, original);
        }

        // Repaired, the same identity starts again.
        await node.RestartAsync(mesh.Control.Url);
        await node.Process.WaitForOutputAsync("nexd: state Running", NexdNode.Startup);
    }

    private static Dictionary<string, string> Snapshot(string dir) =>
        Directory.GetFiles(dir).ToDictionary(f => Path.GetFileName(f), f => Convert.ToHexString(File.ReadAllBytes(f)));

    private static string TempDir() => Path.Combine(Path.GetTempPath(), "nexodus-e2e-state-" + Guid.NewGuid().ToString("N")[..8]);

    private static void DeleteQuietly(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
