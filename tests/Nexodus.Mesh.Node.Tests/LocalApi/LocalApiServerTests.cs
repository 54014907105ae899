using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Nexodus.Mesh.Node.LocalApi;
using Nexodus.Mesh.TestDoubles;
using Xunit.Abstractions;

namespace Nexodus.Mesh.Node.Tests.LocalApi;

/// <summary>
/// The local API server on a real unix socket with real Kestrel, fed by a fixed source: wire format, errors, socket
/// file handling, the SO_PEERCRED caller check (other uids via setpriv) and garbage from clients.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class LocalApiServerTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "nexd-api-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly FakeLocalApiSource _source = new();
    private LocalApiServer? _server;

    private string SocketPath => Path.Combine(_dir, "nexd.sock");

    public async Task InitializeAsync() => _server = await LocalApiServer.StartAsync(SocketPath, _source);

    public async Task DisposeAsync()
    {
        await _server!.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Status_OverUnixSocket_ReturnsCamelCaseJson()
    {
        var response = await RawHttp.GetAsync(SocketPath, "/v1/status");
        Assert.Equal(200, RawHttp.StatusOf(response));
        Assert.Contains("Content-Type: application/json", response, StringComparison.OrdinalIgnoreCase);
        var json = JsonDocument.Parse(RawHttp.BodyOf(response)).RootElement;
        Assert.Equal("Running", json.GetProperty("state").GetString());
        Assert.Equal("fake-host", json.GetProperty("hostname").GetString());
        Assert.True(json.GetProperty("controlReachable").GetBoolean());
        Assert.Equal("100.64.0.7", json.GetProperty("addresses")[0].GetString());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("homeRelayRegion").ValueKind);
    }

    [Fact]
    public async Task Peers_OverUnixSocket_ReturnsArray()
    {
        var json = JsonDocument.Parse(RawHttp.BodyOf(await RawHttp.GetAsync(SocketPath, "/v1/peers"))).RootElement;
        Assert.Equal(JsonValueKind.Array, json.ValueKind);
        Assert.Equal("peer-one", json[0].GetProperty("hostname").GetString());
        Assert.Equal("direct", json[0].GetProperty("pathKind").GetString());
        Assert.Equal("192.0.2.1:41641", json[0].GetProperty("endpoint").GetString());
        Assert.Equal(JsonValueKind.Null, json[0].GetProperty("lastHandshake").ValueKind);
    }

    [Theory]
    [InlineData("GET /v1/nope HTTP/1.1", 404)]
    [InlineData("GET / HTTP/1.1", 404)]
    [InlineData("GET /v1/status/../peers HTTP/1.1", 200)] // Kestrel normalises dot segments; still only our two endpoints.
    [InlineData("POST /v1/status HTTP/1.1", 405)]
    [InlineData("DELETE /v1/peers HTTP/1.1", 405)]
    [InlineData("GET /v1/status HTTP/9.9", 505)]
    [InlineData("GARBAGE", 400)]
    [InlineData("GET /v1/status HTTP/1.1\r\nHost: a\r\nHost: b", 400)]
    [InlineData("GET /v1/status HTTP/1.1\r\nContent-Length: -5", 400)]
    [InlineData("GET /v1/status HTTP/1.1\r\nContent-Length: abc", 400)]
    public async Task Request_Malformed_AnswersClientError(string head, int expected)
    {
        var hostHeader = head.Contains("Host:", StringComparison.Ordinal) ? "" : "\r\nHost: nexd";
        var response = await RawHttp.ExchangeAsync(SocketPath, Encoding.ASCII.GetBytes(head + hostHeader + "\r\nConnection: close\r\n\r\n"), TimeSpan.FromSeconds(10));
        Assert.Equal(expected, RawHttp.StatusOf(response));
        if (expected is 404 or 405)
        {
            Assert.False(string.IsNullOrEmpty(JsonDocument.Parse(RawHttp.BodyOf(response)).RootElement.GetProperty("error").GetString()));
        }
    }

    [Fact]
    public async Task Request_Oversized_Rejected431Or414AndServerKeepsServing()
    {
        var big = "GET /v1/status HTTP/1.1\r\nHost: nexd\r\nX-Big: " + new string('a', 20_000) + "\r\n\r\n";
        var response = await RawHttp.ExchangeAsync(SocketPath, Encoding.ASCII.GetBytes(big), TimeSpan.FromSeconds(10));
        Assert.Equal(431, RawHttp.StatusOf(response));
        var longLine = "GET /v1/" + new string('x', 2000) + " HTTP/1.1\r\nHost: nexd\r\n\r\n";
        Assert.Equal(414, RawHttp.StatusOf(await RawHttp.ExchangeAsync(SocketPath, Encoding.ASCII.GetBytes(longLine), TimeSpan.FromSeconds(10))));
        Assert.Equal(200, RawHttp.StatusOf(await RawHttp.GetAsync(SocketPath, "/v1/status")));
    }

    [Fact]
    public async Task Fuzz_RandomAndMutatedRequests_NeverServerErrorNeverHang_KeepsServing()
    {
        var random = new Random(6);
        var valid = Encoding.ASCII.GetBytes("GET /v1/status HTTP/1.1\r\nHost: nexd\r\nAccept: application/json\r\nConnection: close\r\n\r\n");
        var statuses = new Dictionary<int, int>();
        for (var i = 0; i < 400; i++)
        {
            byte[] request;
            if (i % 2 == 0)
            {
                request = new byte[random.Next(1, 600)];
                random.NextBytes(request);
            }
            else
            {
                request = (byte[])valid.Clone();
                for (var flips = random.Next(1, 6); flips > 0; flips--)
                {
                    request[random.Next(request.Length)] = (byte)random.Next(256);
                }

                if (random.Next(4) == 0)
                {
                    request = request[..random.Next(1, request.Length)];
                }
            }

            // Every input ends its header block, so each exchange ends with an answer or a close, not the 5 s header
            // timeout (that one has its own test).
            request = [.. request, .. "\r\n\r\n"u8];

            var response = await RawHttp.ExchangeAsync(SocketPath, request, TimeSpan.FromSeconds(10));
            var status = RawHttp.StatusOf(response) ?? 0;
            Assert.True(status < 500 || status == 505, $"status {status} for {Convert.ToHexString(request)}");
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
        }

        Assert.True(statuses.GetValueOrDefault(400) > 100, "most garbage must get 400: " + string.Join(", ", statuses.Select(kv => $"{kv.Key}×{kv.Value}")));
        Assert.Equal(200, RawHttp.StatusOf(await RawHttp.GetAsync(SocketPath, "/v1/status")));
    }

    [Fact]
    public async Task SlowClient_SilentConnections_DoNotBlockOthers()
    {
        var idle = new List<Socket>();
        try
        {
            for (var i = 0; i < 20; i++)
            {
                var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await s.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath));
                await s.SendAsync(Encoding.ASCII.GetBytes("GET /v1/sta"));
                idle.Add(s);
            }

            Assert.Equal(200, RawHttp.StatusOf(await RawHttp.GetAsync(SocketPath, "/v1/peers")));

            // Kestrel's header timeout (5 s) ends the silent ones: a stuck client cannot hold a slot forever.
            var buffer = new byte[512];
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            var n = await idle[0].ReceiveAsync(buffer, cts.Token);
            while (n > 0)
            {
                n = await idle[0].ReceiveAsync(buffer, cts.Token);
            }
        }
        finally
        {
            idle.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task Source_Throws_Answers503AndKeepsServing()
    {
        _source.StatusOverride = () => throw new InvalidOperationException("tearing down");
        var response = await RawHttp.GetAsync(SocketPath, "/v1/status");
        Assert.Equal(503, RawHttp.StatusOf(response));
        Assert.Contains("tearing down", RawHttp.BodyOf(response), StringComparison.Ordinal);
        _source.StatusOverride = null;
        Assert.Equal(200, RawHttp.StatusOf(await RawHttp.GetAsync(SocketPath, "/v1/status")));
    }

    [Fact]
    public void SocketFile_Mode0660_DirectoryCreated0755()
    {
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite, File.GetUnixFileMode(SocketPath));
        Assert.Equal(
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute,
            File.GetUnixFileMode(_dir));
    }

    [Fact]
    public async Task Start_SocketInUse_FailsNamingThePath()
    {
        var e = await Assert.ThrowsAsync<IOException>(() => LocalApiServer.StartAsync(SocketPath, _source));
        Assert.Contains(SocketPath, e.Message, StringComparison.Ordinal);
        Assert.Contains("in use", e.Message, StringComparison.Ordinal);
        Assert.Equal(200, RawHttp.StatusOf(await RawHttp.GetAsync(SocketPath, "/v1/status")));
    }

    [Fact]
    public async Task Start_StaleSocket_Replaced_RegularFileRefused()
    {
        var stalePath = Path.Combine(_dir, "stale.sock");
        // Bound, never listening, process gone: what a crash leaves (.NET would unlink on Dispose, python does not).
        var bind = await ChildProcess.RunAsync(["python3", "-c", "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", stalePath]);
        Assert.True(bind.ExitCode == 0, bind.Err);

        Assert.True(Path.Exists(stalePath));
        await using (var server = await LocalApiServer.StartAsync(stalePath, _source))
        {
            Assert.Equal(200, RawHttp.StatusOf(await RawHttp.GetAsync(stalePath, "/v1/peers")));
        }

        Assert.False(Path.Exists(stalePath));
        var filePath = Path.Combine(_dir, "not-a-socket");
        await File.WriteAllTextAsync(filePath, "keep me");
        var e = await Assert.ThrowsAsync<IOException>(() => LocalApiServer.StartAsync(filePath, _source));
        Assert.Contains("not a socket", e.Message, StringComparison.Ordinal);
        Assert.Equal("keep me", await File.ReadAllTextAsync(filePath));
    }

    [RootFact]
    public async Task Caller_OtherUidInSocketGroup_Gets403_RootGets200()
    {
        // gid 0 passes the file mode (0660 root:root); uid 65534 must then be refused by the SO_PEERCRED check.
        var asNobody = await ChildProcess.RunAsync(["setpriv", "--reuid", "65534", "--regid", "0", "--clear-groups",
            "curl", "-s", "-w", "\n%{http_code}", "--unix-socket", SocketPath, "http://nexd/v1/status"]);
        Assert.Equal(0, asNobody.ExitCode);
        Assert.EndsWith("403", asNobody.Out.TrimEnd(), StringComparison.Ordinal);
        Assert.Contains("forbidden", asNobody.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("fake-host", asNobody.Out, StringComparison.Ordinal);
        Assert.Equal(1, _server!.Forbidden);

        var asRoot = await ChildProcess.RunAsync(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--unix-socket", SocketPath, "http://nexd/v1/status"]);
        Assert.Equal("200", asRoot.Out);
    }

    [RootFact]
    public async Task Caller_OtherUidOutsideGroup_CannotConnect()
    {
        // uid/gid 65534: the 0660 socket refuses connect() itself (EACCES): curl exit 7, the server never sees it.
        var result = await ChildProcess.RunAsync(["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups",
            "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--unix-socket", SocketPath, "http://nexd/v1/status"]);
        Assert.Equal(7, result.ExitCode);
        Assert.Equal(0, _server!.Forbidden);
    }

    [Fact]
    public async Task Nexctl_Json_PrintsApiJson_HumanPrintsTable()
    {
        var json = await ChildProcess.NexctlAsync("peers", "--json", "--socket", SocketPath);
        Assert.True(json.ExitCode == 0, json.Err);
        Assert.Equal("peer-one", JsonDocument.Parse(json.Out).RootElement[0].GetProperty("hostname").GetString());

        var human = await ChildProcess.NexctlAsync("status", "--socket", SocketPath);
        Assert.True(human.ExitCode == 0, human.Err);
        output.WriteLine(human.Out);
        var table = await ChildProcess.NexctlAsync("peers", "--socket", SocketPath);
        Assert.True(table.ExitCode == 0, table.Err);
        Assert.Contains("direct 192.0.2.1:41641", table.Out, StringComparison.Ordinal);
        output.WriteLine(table.Out);
        Assert.Contains("fake-host", human.Out, StringComparison.Ordinal);
        Assert.Contains("Running", human.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Nexctl_NoSocket_SaysNotRunningExit1()
    {
        var missing = Path.Combine(_dir, "missing.sock");
        var result = await ChildProcess.NexctlAsync("status", "--socket", missing);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"nexd is not running (no socket at {missing})", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Nexctl_BadArguments_Exit2()
    {
        var result = await ChildProcess.NexctlAsync("status", "--no-such-flag");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--no-such-flag", result.Err, StringComparison.Ordinal);
    }
}
