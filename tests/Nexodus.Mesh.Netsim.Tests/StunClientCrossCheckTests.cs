using Nexodus.Mesh.Netsim.Scenarios;
using Nexodus.Mesh.TestDoubles;
using Nexodus.Mesh.TestDoubles.Netsim;
using Xunit.Abstractions;

namespace Nexodus.Mesh.Netsim.Tests;

/// <summary>
/// Cross-checks the scenarios with independent tools: coturn as an RFC 5780 server on the two server addresses,
/// and Debian's classic <c>stun</c> client (RFC 3489 classification) in the host under test. The classic client
/// cannot tell ADM from APDM ("Dependent Mapping"), so only what it reliably reports is compared.
/// </summary>
public sealed class StunClientCrossCheckTests(ITestOutputHelper output)
{
    public static TheoryData<string> Scenarios() => [.. BuiltInScenarios.Names];

    [RootTheory]
    [MemberData(nameof(Scenarios))]
    public async Task ClassicStunClient_AgreesWithTheDeclaredBehaviour(string name)
    {
        var scenario = BuiltInScenarios.Load(name);
        var expect = scenario.Expect!;
        await using var lab = await Lab.StartAsync(scenario);
        var server = lab.Host(expect.Server);
        await using var coturn = server.StartProcess(
            "turnserver", "-n", "--stun-only", "--no-auth", "--no-tls", "--no-dtls", "--no-tcp", "--no-cli",
            "--listening-ip", server.Addresses[0].ToString(), "--listening-ip", server.Addresses[1].ToString(),
            "--listening-port", "3478", "--alt-listening-port", "3479", "--log-file", "stdout", "--simple-log",
            "--no-software-attribute");
        await server.WaitForUdpPortAsync(3478, TimeSpan.FromSeconds(10));
        await server.WaitForUdpPortAsync(3479, TimeSpan.FromSeconds(10));

        var result = await lab.Host(expect.Host).ExecAsync(["stun", server.Addresses[0].ToString()], TimeSpan.FromSeconds(60));
        var verdict = result.StandardOutput.Split('\n').Concat(result.StandardError.Split('\n'))
            .FirstOrDefault(l => l.StartsWith("Primary:", StringComparison.Ordinal));
        output.WriteLine($"{name}: {verdict}");
        Assert.True(verdict is not null, $"no verdict from stun:\n{result.StandardOutput}\n{result.StandardError}\ncoturn:\n{coturn.Output}");

        foreach (var part in ClassicStunVerdict.Expected(expect))
        {
            Assert.Contains(part, verdict, StringComparison.Ordinal);
        }
    }
}
