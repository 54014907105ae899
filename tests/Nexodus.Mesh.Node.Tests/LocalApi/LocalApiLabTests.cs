using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Nexodus.Mesh.Netsim;
using Nexodus.Mesh.Netsim.Scenarios;
using Nexodus.Mesh.Node.LocalApi;
using Nexodus.Mesh.Node.Tests.Agent;
using Nexodus.Mesh.TestDoubles;

namespace Nexodus.Mesh.Node.Tests.LocalApi;

/// <summary>
/// Two real `nexd up` processes against the real control (embedded relay + STUN) on one simulated LAN: the local
/// API over its unix socket, `nexctl` as a process (also as another uid), and /metrics scraped inside the namespace.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed partial class LocalApiLabTests
{
    private static readonly TimeSpan Startup = TimeSpan.FromSeconds(60);

    [RootFact]
    public async Task Up_TwoNodesOnOneLan_LocalApiNexctlAndMetricsReportTheMesh()
    {
        await using var lab = await LabControl.StartLabAsync("nexdapi");
        await using var control = await LabControl.StartAsync(lab.Host("ctrl"));
        var (vpcId, regKey) = await control.CreateVpcAndKeyAsync();
        var work = Path.Combine(Path.GetTempPath(), "nexd-api-lab-" + Guid.NewGuid().ToString("N")[..8]);
        var socketA = Path.Combine(work, "run-a", "nexd.sock");
        var socketB = Path.Combine(work, "run-b", "nexd.sock");
        var metricsUrl = "http://203.0.113.11:9100/metrics";
        try
        {
            await using var a = Up(lab.Host("a"), control, Path.Combine(work, "state-a"), "node-a", regKey, socketA, "203.0.113.11:9100");
            await using var b = Up(lab.Host("b"), control, Path.Combine(work, "state-b"), "node-b", regKey, socketB, null);
            var enrolledA = await a.WaitForOutputAsync(l => l.StartsWith("nexd: enrolled as node-a ", StringComparison.Ordinal), Startup);
            var enrolledB = await b.WaitForOutputAsync(l => l.StartsWith("nexd: enrolled as node-b ", StringComparison.Ordinal), Startup);
            var ipA = enrolledA.Split(' ')[4];
            var ipB = enrolledB.Split(' ')[4];
            await a.WaitForOutputAsync("nexd: state Running", Startup);
            await b.WaitForOutputAsync("nexd: state Running", Startup);
            await a.WaitForOutputAsync("nexd: peer node-b path direct", Startup);

            // Status: the agent's view agrees with control's record of the device.
            using var api = new LocalApiClient(socketA);
            var status = JsonDocument.Parse(await api.GetAsync("/v1/status")).RootElement;
            Assert.Equal("Running", status.GetProperty("state").GetString());
            Assert.True(status.GetProperty("controlReachable").GetBoolean());
            Assert.Equal("node-a", status.GetProperty("hostname").GetString());
            Assert.Equal(vpcId, status.GetProperty("vpcId").GetGuid());
            var device = await control.GetDeviceAsync(status.GetProperty("deviceId").GetGuid());
            Assert.Equal(ipA, status.GetProperty("addresses")[0].GetString());
            Assert.Equal(device.GetProperty("ipv4").GetString(), status.GetProperty("addresses")[0].GetString());
            Assert.Equal(device.GetProperty("nodeKey").GetString(), status.GetProperty("nodeKey").GetString());
            Assert.Equal("nxa0", status.GetProperty("interface").GetString());
            Assert.True(status.GetProperty("lastNetmapRevision").GetInt64() > 0);
            var home = Assert.Single(status.GetProperty("relays").EnumerateArray(), r => r.GetProperty("home").GetBoolean());
            Assert.Equal(status.GetProperty("homeRelayRegion").GetInt32(), home.GetProperty("region").GetInt32());
            Assert.Equal("https://203.0.113.10:8443/relay", home.GetProperty("url").GetString());
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!home.GetProperty("connected").GetBoolean() && DateTime.UtcNow < deadline)
            {
                await Task.Delay(500);
                home = JsonDocument.Parse(await api.GetAsync("/v1/status")).RootElement.GetProperty("relays")[0];
            }

            Assert.True(home.GetProperty("connected").GetBoolean(), home.ToString() + "\n" + a.Output);

            // One region: nothing to choose, but the latency is the live session's ping round trip, measured when it connects.
            while (home.GetProperty("latencyMs").ValueKind != JsonValueKind.Number && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
                home = JsonDocument.Parse(await api.GetAsync("/v1/status")).RootElement.GetProperty("relays")[0];
            }

            Assert.True(home.GetProperty("latencyMs").ValueKind == JsonValueKind.Number, home.ToString());
            Assert.InRange(home.GetProperty("latencyMs").GetDouble(), 0.0, 2000.0);

            using var scrape = lab.Host("a").CreateHttpClient();
            var before = Parse(await scrape.GetStringAsync(metricsUrl));
            Assert.Equal(1, before["nexd_state{state=\"Running\"}"]);
            Assert.Equal(0, before["nexd_state{state=\"Degraded\"}"]);
            Assert.Equal(1, before["nexd_control_connected"]);
            Assert.Equal(1, before["nexd_peers{path=\"direct\"}"]);
            Assert.Equal(0, before["nexd_filter_drops_total{direction=\"inbound\"}"]);

            // Traffic both ways, then the peer's counters and the metrics must have moved.
            var ping = await lab.Host("a").ExecAsync("ping", "-c", "5", "-i", "0.2", "-W", "2", ipB);
            Assert.True(ping.Succeeded, ping.StandardOutput + ping.StandardError + a.Output);

            var peers = JsonDocument.Parse(await api.GetAsync("/v1/peers")).RootElement;
            var peer = Assert.Single(peers.EnumerateArray());
            Assert.Equal("node-b", peer.GetProperty("hostname").GetString());
            Assert.Equal(ipB, peer.GetProperty("addresses")[0].GetString());
            Assert.Equal("direct", peer.GetProperty("pathKind").GetString());
            Assert.StartsWith("203.0.113.12:", peer.GetProperty("endpoint").GetString(), StringComparison.Ordinal);
            Assert.Equal(JsonValueKind.Null, peer.GetProperty("notDirectReason").ValueKind);
            Assert.True(peer.GetProperty("online").GetBoolean());
            Assert.True(peer.GetProperty("rxBytes").GetInt64() > 0);
            Assert.True(peer.GetProperty("txBytes").GetInt64() > 0);
            var handshake = peer.GetProperty("lastHandshake").GetDateTimeOffset();
            Assert.InRange(handshake, DateTimeOffset.UtcNow.AddMinutes(-3), DateTimeOffset.UtcNow.AddSeconds(5));

            var after = Parse(await scrape.GetStringAsync(metricsUrl));
            Assert.True(after["nexd_rx_bytes_total"] > before["nexd_rx_bytes_total"], $"rx {before["nexd_rx_bytes_total"]} -> {after["nexd_rx_bytes_total"]}");
            Assert.True(after["nexd_tx_bytes_total"] > before["nexd_tx_bytes_total"], $"tx {before["nexd_tx_bytes_total"]} -> {after["nexd_tx_bytes_total"]}");
            Assert.True(after["nexd_handshakes_total"] >= 1);
            Assert.True(after["nexd_rx_bytes_total"] >= peer.GetProperty("rxBytes").GetInt64());
            Assert.True(after.ContainsKey("nexd_drops_total{reason=\"decrypt_failed\"}"));

            // nexctl as a process: --json is the API's JSON, the tables name the hosts.
            var json = await ChildProcess.NexctlAsync("peers", "--json", "--socket", socketA);
            Assert.True(json.ExitCode == 0, json.Err);
            Assert.Equal("direct", JsonDocument.Parse(json.Out).RootElement[0].GetProperty("pathKind").GetString());
            var human = await ChildProcess.NexctlAsync("status", "--socket", socketA);
            Assert.True(human.ExitCode == 0, human.Err);
            Assert.Contains("node-a", human.Out, StringComparison.Ordinal);
            Assert.Contains("Running", human.Out, StringComparison.Ordinal);
            Assert.Contains(ipA, human.Out, StringComparison.Ordinal);
            var humanPeers = await ChildProcess.NexctlAsync("peers", "--socket", socketA);
            Assert.True(humanPeers.ExitCode == 0, humanPeers.Err);
            Assert.Contains("node-b", humanPeers.Out, StringComparison.Ordinal);
            Assert.Contains("direct 203.0.113.12:", humanPeers.Out, StringComparison.Ordinal);

            // Another uid: in the socket's group it reaches nexd and is refused (403); outside it cannot connect.
            var inGroup = await NexctlAsNobodyAsync(groupId: 0, socketA);
            Assert.Equal(1, inGroup.ExitCode);
            Assert.Contains("permission denied by nexd", inGroup.Err, StringComparison.Ordinal);
            Assert.DoesNotContain("node-a", inGroup.Out, StringComparison.Ordinal);
            var outside = await NexctlAsNobodyAsync(groupId: 65534, socketA);
            Assert.Equal(1, outside.ExitCode);
            Assert.Contains($"permission denied on {socketA}", outside.Err, StringComparison.Ordinal);

            // Garbage at the real agent: answered or closed, and it keeps running and serving.
            var random = new Random(61);
            for (var i = 0; i < 50; i++)
            {
                var junk = new byte[random.Next(1, 300)];
                random.NextBytes(junk);
                var answer = await RawHttp.ExchangeAsync(socketA, [.. junk, .. "\r\n\r\n"u8], TimeSpan.FromSeconds(10));
                Assert.True((RawHttp.StatusOf(answer) ?? 400) is >= 400 and < 500, answer);
            }

            Assert.Equal(404, RawHttp.StatusOf(await RawHttp.GetAsync(socketA, "/v2/anything")));
            Assert.False(a.HasExited);
            Assert.Equal("Running", JsonDocument.Parse(await api.GetAsync("/v1/status")).RootElement.GetProperty("state").GetString());

            // Control goes away: Degraded with a reason, stream down, tunnels untouched.
            control.Process.Signal(15);
            await a.WaitForOutputAsync(l => l.StartsWith("nexd: state Degraded", StringComparison.Ordinal), Startup);
            JsonElement degraded;
            try
            {
                degraded = JsonDocument.Parse(await api.GetAsync("/v1/status")).RootElement;
            }
            catch (LocalApiException e)
            {
                throw new InvalidOperationException($"{e.Message}; nexd exited: {a.HasExited}\n{a.Output}", e);
            }

            Assert.Equal("Degraded", degraded.GetProperty("state").GetString());
            Assert.False(string.IsNullOrEmpty(degraded.GetProperty("reason").GetString()));
            Assert.False(degraded.GetProperty("controlReachable").GetBoolean());
            var down = Parse(await scrape.GetStringAsync(metricsUrl));
            Assert.Equal(0, down["nexd_control_connected"]);
            Assert.Equal(1, down["nexd_state{state=\"Degraded\"}"]);
            Assert.Equal(0, down["nexd_state{state=\"Running\"}"]);
            var stillUp = await lab.Host("a").ExecAsync("ping", "-c", "1", "-W", "2", ipB);
            Assert.True(stillUp.Succeeded, stillUp.StandardOutput + a.Output);
            var degradedHuman = await ChildProcess.NexctlAsync("status", "--socket", socketA);
            Assert.Contains("Degraded (", degradedHuman.Out, StringComparison.Ordinal);
            Assert.Contains("not connected", degradedHuman.Out, StringComparison.Ordinal);

            // The socket goes away with the agent.
            a.Signal(15);
            var exit = await a.WaitForExitAsync(TimeSpan.FromSeconds(20));
            Assert.True(exit == 0, $"exit {exit}\n{a.Output}");
            Assert.False(Path.Exists(socketA));
            var gone = await ChildProcess.NexctlAsync("status", "--socket", socketA);
            Assert.Equal(1, gone.ExitCode);
            Assert.Contains($"nexd is not running (no socket at {socketA})", gone.Err, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static Task<(int ExitCode, string Out, string Err)> NexctlAsNobodyAsync(int groupId, string socket) =>
        ChildProcess.RunAsync(
            ["setpriv", "--reuid", "65534", "--regid", groupId.ToString(CultureInfo.InvariantCulture), "--clear-groups",
             "env", "HOME=/tmp", "DOTNET_CLI_HOME=/tmp", "DOTNET_CLI_TELEMETRY_OPTOUT=1", "DOTNET_NOLOGO=1",
             Environment.ProcessPath!.EndsWith("dotnet", StringComparison.Ordinal) ? Environment.ProcessPath : "dotnet",
             Path.Combine(AppContext.BaseDirectory, "nexctl.dll"), "status", "--socket", socket]);

    private static LabProcess Up(LabHost host, LabControl control, string stateDir, string hostname, string regKey, string socket, string? metrics)
    {
        List<string> argv = ["dotnet", BinaryPaths.Nexd, "up", "--control", control.Url, "--state-dir", stateDir, "--hostname", hostname,
            "--interface", "nx" + hostname[^1] + "0", "--reg-key", regKey, "--local-api", socket, "--verbose"];
        if (metrics is not null)
        {
            argv.AddRange(["--metrics", metrics]);
        }

        return host.StartProcess(argv);
    }

    /// <summary>Prometheus text → "name{labels}" → value.</summary>
    private static Dictionary<string, double> Parse(string text)
    {
        var values = new Dictionary<string, double>();
        foreach (var line in text.Split('\n'))
        {
            var m = SampleRegex().Match(line);
            if (m.Success)
            {
                values[m.Groups[1].Value] = double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
            }
        }

        return values;
    }

    [GeneratedRegex(@"^(nexd_[a-z_]+(?:\{[^}]*\})?) ([0-9.eE+-]+)$")]
    private static partial Regex SampleRegex();
}
