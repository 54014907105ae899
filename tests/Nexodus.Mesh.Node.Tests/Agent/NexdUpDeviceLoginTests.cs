using System.Net;
using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.Netsim;
using Nexodus.Mesh.Netsim.Scenarios;
using Nexodus.Mesh.TestDoubles;

namespace Nexodus.Mesh.Node.Tests.Agent;

/// <summary>
/// `nexd up` without a registration key: the device authorization grant against the real control binary, with the
/// test as the human who approves (or denies) on control's verification page.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class NexdUpDeviceLoginTests
{
    private static readonly TimeSpan Startup = TimeSpan.FromSeconds(60);
    private const string LoginPrefix = "nexd: to log in, open ";

    [RootFact]
    public async Task Up_NoRegKey_PrintsCodeAndUrl_ApprovalEnrollsIntoTheChosenVpc()
    {
        await using var lab = await LabControl.StartLabAsync("nexdlogin", nodes: 1);
        await using var control = await LabControl.StartAsync(lab.Host("ctrl"));
        var (vpcId, _) = await control.CreateVpcAndKeyAsync();
        var state = Directory.CreateTempSubdirectory("nexd-login-").FullName;
        try
        {
            await using var a = Up(lab.Host("a"), control, state, vpcId.ToString());
            await a.WaitForOutputAsync("nexd: state NeedsLogin (waiting for login approval)", Startup);
            var (url, code) = ParseLoginLine(await a.WaitForOutputAsync(l => l.StartsWith(LoginPrefix, StringComparison.Ordinal), Startup));
            Assert.Equal($"{control.Url}/connect/verify", url.TrimEnd('/'));

            // The page tells the human which machine asks: name, OS, where from, and its key's fingerprint.
            var page = await control.DecideDeviceLoginAsync(code, approve: true);
            Assert.Contains("laptop-a", page, StringComparison.Ordinal);
            Assert.Contains("linux", page, StringComparison.Ordinal);
            Assert.Contains(lab.Host("a").Address.ToString(), page, StringComparison.Ordinal);
            Assert.True(PrivateKey.TryParse((await File.ReadAllTextAsync(Path.Combine(state, "node.key"))).Trim(), out var nodeKey));
            using (nodeKey)
            {
                Assert.Contains(WebUtility.HtmlEncode(nodeKey!.PublicKey.Fingerprint()), page, StringComparison.Ordinal);
            }

            var enrolled = await a.WaitForOutputAsync(l => l.StartsWith("nexd: enrolled as laptop-a ", StringComparison.Ordinal), Startup);
            await a.WaitForOutputAsync("nexd: state Running", Startup);
            Assert.StartsWith("100.", enrolled.Split(' ')[4], StringComparison.Ordinal);
            Assert.Contains(vpcId.ToString(), await File.ReadAllTextAsync(Path.Combine(state, "device.json")), StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(state, "credential.sealed")));
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }

    [RootFact]
    public async Task Up_LoginDenied_Exit3_NoCredentialWritten()
    {
        await using var lab = await LabControl.StartLabAsync("nexddeny", nodes: 1);
        await using var control = await LabControl.StartAsync(lab.Host("ctrl"));
        var (vpcId, _) = await control.CreateVpcAndKeyAsync();
        var state = Directory.CreateTempSubdirectory("nexd-deny-").FullName;
        try
        {
            await using var a = Up(lab.Host("a"), control, state, vpcId.ToString());
            var (_, code) = ParseLoginLine(await a.WaitForOutputAsync(l => l.StartsWith(LoginPrefix, StringComparison.Ordinal), Startup));
            await control.DecideDeviceLoginAsync(code, approve: false);
            Assert.Equal(3, await a.WaitForExitAsync(Startup));
            var error = Assert.Single(a.StandardOutputLines, l => l.StartsWith("nexd: error: ", StringComparison.Ordinal));
            Assert.Contains("denied", error, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(state, "credential.sealed")));
            Assert.True(File.Exists(Path.Combine(state, "node.key")), "the node key stays for the next try");
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }

    private static LabProcess Up(LabHost host, LabControl control, string stateDir, string vpc) =>
        host.StartProcess(["dotnet", BinaryPaths.Nexd, "up", "--control", control.Url, "--state-dir", stateDir, "--hostname", "laptop-a",
            "--vpc", vpc, "--interface", "nxl0", "--local-api", "off", "--verbose"]);

    /// <summary>"nexd: to log in, open URL and enter the code CODE".</summary>
    private static (string Url, string Code) ParseLoginLine(string line)
    {
        var parts = line[LoginPrefix.Length..].Split(' ');
        Assert.True(parts.Length == 6 && parts[1] == "and" && parts[4] == "code", line);
        return (parts[0], parts[5]);
    }
}
