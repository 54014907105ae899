using Nexodus.Mesh.TestDoubles.WireGuard;

namespace Nexodus.Mesh.Node.Tests.Agent;

/// <summary>`nexd up` failures before any tunnel exists: one `nexd: error:` line, the documented exit code, nothing deleted.</summary>
public sealed class NexdUpExitCodeTests
{
    [Fact]
    public void Up_ControlUnreachableWithoutState_Exit4()
    {
        var state = Path.Combine(Path.GetTempPath(), "nexd-unreach-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            // Port 9 on loopback: nothing listens there, so the connection is refused at once.
            var (code, output) = Shell.Run("dotnet", [BinaryPaths.Nexd, "up", "--control", "http://127.0.0.1:9", "--reg-key", "nrk_x", "--state-dir", state, "--interface", "nxu0", "--local-api", "off"]);
            Assert.Equal(4, code);
            Assert.Contains("nexd: error: cannot reach control at http://127.0.0.1:9/", output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }

    [Fact]
    public void Up_CorruptedStateDir_Exit2_NothingDeleted()
    {
        var state = Directory.CreateTempSubdirectory("nexd-corrupt-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(state, "node.key"), "not a key\n");
            File.WriteAllText(Path.Combine(state, "device.json"), "{ broken");
            var (code, output) = Shell.Run("dotnet", [BinaryPaths.Nexd, "up", "--control", "http://127.0.0.1:9", "--state-dir", state, "--interface", "nxc0", "--local-api", "off"]);
            Assert.Equal(2, code);
            Assert.Contains("nexd: error: state dir: ", output, StringComparison.Ordinal);
            Assert.Contains("node.key", output, StringComparison.Ordinal);
            Assert.Equal("not a key\n", File.ReadAllText(Path.Combine(state, "node.key")));
            Assert.Equal("{ broken", File.ReadAllText(Path.Combine(state, "device.json")));
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }

    [Fact]
    public void Up_BadControlUrl_Exit2()
    {
        var (code, output) = Shell.Run("dotnet", [BinaryPaths.Nexd, "up", "--control", "ftp://x", "--state-dir", "/nonexistent-nexd", "--interface", "nxb0"]);
        Assert.Equal(2, code);
        Assert.Contains("nexd: error: --control", output, StringComparison.Ordinal);
    }
}
