using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Nexodus.Mesh.Netsim;
using Nexodus.Mesh.Netsim.Scenarios;
using Nexodus.Mesh.Node.Tests.Agent;
using Nexodus.Mesh.TestDoubles;
using Xunit.Abstractions;

namespace Nexodus.Mesh.Node.Tests.Filter;

/// <summary>
/// Issue #6's policy acceptance with real processes: `nexd up` on two lab hosts against the real control binary; a
/// security group made through the REST API admits only TCP 22 from A's group into B; changes made through the API
/// take effect in B's engine (measured: API call → first ping reply).
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class FilterLabTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Startup = TimeSpan.FromSeconds(60);

    [RootFact]
    public async Task SecurityGroup_OnlyTcp22FromGroup_OtherTrafficDroppedAtReceiver_ApiChangesApplyWithinOneSecond()
    {
        await using var lab = await LabControl.StartLabAsync("nexdfilt");
        await using var control = await LabControl.StartAsync(lab.Host("ctrl"));
        var (vpcId, keyA) = await control.CreateVpcAndKeyAsync();
        var clients = await control.SecurityGroupIdAsync(vpcId, "default");
        object[] sshFromClients = [new { protocol = "tcp", fromPort = 22, toPort = 22, securityGroupIds = new[] { clients } }];
        object[] icmpFromClients = [new { protocol = "icmp", fromPort = 0, toPort = 0, securityGroupIds = new[] { clients } }];
        // No outbound rules: everything B sends must be a reply that connection tracking admits.
        var servers = await control.CreateSecurityGroupAsync(vpcId, "ssh-servers", sshFromClients, []);
        var keyB = await control.CreateKeyAsync(vpcId, servers);

        var stateA = TempDir();
        var stateB = TempDir();
        try
        {
            await using var a = Up(lab.Host("a"), control, stateA, "node-a", keyA);
            await using var b = Up(lab.Host("b"), control, stateB, "node-b", keyB);
            await a.WaitForOutputAsync(l => l.StartsWith("nexd: enrolled as node-a ", StringComparison.Ordinal), Startup);
            var enrolledB = await b.WaitForOutputAsync(l => l.StartsWith("nexd: enrolled as node-b ", StringComparison.Ordinal), Startup);
            var ipB = IPAddress.Parse(enrolledB.Split(' ')[4]);
            await a.WaitForOutputAsync("nexd: state Running", Startup);
            await b.WaitForOutputAsync("nexd: state Running", Startup);

            // Real listeners on B for both ports, so a failure on 80 is the filter, not a closed port.
            using var ssh = lab.Host("b").OpenTcpListener(new IPEndPoint(IPAddress.Any, 22));
            using var web = lab.Host("b").OpenTcpListener(new IPEndPoint(IPAddress.Any, 80));

            using var client = await ConnectWithRetryAsync(lab.Host("a"), new IPEndPoint(ipB, 22), TimeSpan.FromSeconds(30), a, b);
            using var accepted = await ssh.AcceptAsync().WaitAsync(TimeSpan.FromSeconds(10));
            await AssertTransfersAsync(client, accepted, "over ssh\n");

            // TCP 80: the listener exists, so only a drop makes the connect time out (a closed port would refuse).
            var web80 = await TryConnectAsync(lab.Host("a"), new IPEndPoint(ipB, 80), TimeSpan.FromSeconds(3));
            Assert.True(web80 == SocketError.TimedOut, $"TCP 80 to B: expected a timeout (dropped by B's filter), got {web80}");
            var ping = await lab.Host("a").ExecAsync("ping", "-c", "2", "-W", "1", ipB.ToString());
            Assert.False(ping.Succeeded, "ping to B passed a filter that only allows TCP 22: " + ping.StandardOutput);

            // Allow ICMP through the API while A pings every 20 ms; the first reply's timestamp (-D) ends the clock.
            await using var pinger = lab.Host("a").StartProcess("ping", "-D", "-n", "-i", "0.02", "-W", "1", "-w", "15", "-c", "1", ipB.ToString());
            await Task.Delay(300);
            var before = DateTimeOffset.UtcNow;
            var stopwatch = Stopwatch.StartNew();
            await control.UpdateInboundRulesAsync(servers, [.. sshFromClients, .. icmpFromClients]);
            var apiTime = stopwatch.Elapsed;
            Assert.Equal(0, await pinger.WaitForExitAsync(TimeSpan.FromSeconds(20)));
            var reply = pinger.StandardOutputLines.First(l => l.Contains("bytes from", StringComparison.Ordinal));
            var replyAt = DateTimeOffset.FromUnixTimeMilliseconds((long)(double.Parse(reply[1..reply.IndexOf(']', StringComparison.Ordinal)], CultureInfo.InvariantCulture) * 1000));
            var took = replyAt - before;
            output.WriteLine($"ICMP allowed through the API: first ping reply {took.TotalMilliseconds:F0} ms after the PUT was sent (PUT itself {apiTime.TotalMilliseconds:F0} ms)");
            Console.WriteLine($"filter lab: API change → ping works in {took.TotalMilliseconds:F0} ms");
            Assert.True(took < TimeSpan.FromSeconds(1), $"ping worked only {took.TotalMilliseconds:F0} ms after the API change");

            // The established SSH flow is still admitted by the new rules and keeps working.
            await AssertTransfersAsync(client, accepted, "still there\n");

            // Remove TCP 22: the tracked connection must stop passing (re-checked against the new rules).
            await control.UpdateInboundRulesAsync(servers, icmpFromClients);
            await Task.Delay(TimeSpan.FromSeconds(1));
            await client.SendAsync("revoked\n"u8.ToArray());
            var buffer = new byte[64];
            using var quiet = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            var got = await ReceiveOrTimeoutAsync(accepted, buffer, quiet.Token);
            Assert.True(got == 0, $"B received {got} bytes over a connection whose allowance was removed");
            var pingStill = await lab.Host("a").ExecAsync("ping", "-c", "1", "-W", "2", ipB.ToString());
            Assert.True(pingStill.Succeeded, "ICMP is still allowed: " + pingStill.StandardOutput);
            var newSsh = await TryConnectAsync(lab.Host("a"), new IPEndPoint(ipB, 22), TimeSpan.FromSeconds(3));
            Assert.Equal(SocketError.TimedOut, newSsh);
        }
        finally
        {
            Directory.Delete(stateA, recursive: true);
            Directory.Delete(stateB, recursive: true);
        }
    }

    private static async Task AssertTransfersAsync(Socket from, Socket to, string text)
    {
        var bytes = System.Text.Encoding.ASCII.GetBytes(text);
        await from.SendAsync(bytes);
        var buffer = new byte[bytes.Length];
        var read = 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (read < bytes.Length)
        {
            var n = await to.ReceiveAsync(buffer.AsMemory(read), timeout.Token);
            Assert.True(n > 0, "connection closed");
            read += n;
        }

        Assert.Equal(text, System.Text.Encoding.ASCII.GetString(buffer));
    }

    private static async Task<int> ReceiveOrTimeoutAsync(Socket socket, byte[] buffer, CancellationToken cancel)
    {
        try
        {
            return await socket.ReceiveAsync(buffer, cancel);
        }
        catch (OperationCanceledException)
        {
            return 0;
        }
    }

    private static async Task<SocketError> TryConnectAsync(LabHost from, IPEndPoint to, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            using var socket = await from.ConnectTcpAsync(to, cancel.Token);
            return SocketError.Success;
        }
        catch (OperationCanceledException)
        {
            return SocketError.TimedOut;
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode;
        }
    }

    private static async Task<Socket> ConnectWithRetryAsync(LabHost from, IPEndPoint to, TimeSpan timeout, params LabProcess[] context)
    {
        var deadline = DateTime.UtcNow + timeout;
        var last = SocketError.Success;
        while (DateTime.UtcNow < deadline)
        {
            using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try
            {
                return await from.ConnectTcpAsync(to, cancel.Token);
            }
            catch (OperationCanceledException)
            {
                last = SocketError.TimedOut;
            }
            catch (SocketException e)
            {
                last = e.SocketErrorCode;
                await Task.Delay(200);
            }
        }

        throw new TimeoutException($"TCP {to} from {from.Name}: {last}\n" + string.Join("\n----\n", context.Select(p => p.Output)));
    }

    private static LabProcess Up(LabHost host, LabControl control, string stateDir, string hostname, string regKey) =>
        host.StartProcess(["dotnet", BinaryPaths.Nexd, "up", "--control", control.Url, "--state-dir", stateDir, "--hostname", hostname,
            "--interface", "nf" + hostname[^1] + "0", "--reg-key", regKey, "--local-api", "off", "--verbose"]);

    private static string TempDir() => Path.Combine(Path.GetTempPath(), "nexd-filter-" + Guid.NewGuid().ToString("N")[..8]);
}
