using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Nexodus.Mesh.Stun.Cli;
using Nexodus.Mesh.Stun.Server;
using Prometheus;

namespace Nexodus.Mesh.Stun.Tests.Cli;

public sealed class StunCommandLineTests
{
    [Theory]
    [InlineData("--listen foo", "--listen: 'foo' is not IP:PORT")]
    [InlineData("--listen 127.0.0.1", "--listen: '127.0.0.1' is not IP:PORT")]
    [InlineData("--alternate-port 70000", "--alternate-port: '70000' is not a port")]
    [InlineData("--alternate-ip nope", "--alternate-ip: 'nope' is not an IP address")]
    [InlineData("--listen 0.0.0.0:3478 --alternate-ip 127.0.0.2 --alternate-port 3479", "needs a specific listen address")]
    [InlineData("--listen 127.0.0.1:3478 --alternate-ip ::1 --alternate-port 3479", "not the same address family")]
    [InlineData("--listen 127.0.0.1:3478 --alternate-port 3478", "--alternate-port: must differ")]
    [InlineData("probe 127.0.0.1:notaport", "'notaport' is not a port")]
    [InlineData("probe 127.0.0.1 --timeout 0", "--timeout: '0' is not a duration")]
    public async Task BadArguments_ExitNonZeroWithAMessageNamingTheOption(string args, string expected)
    {
        var (code, _, error) = await InvokeAsync(args.Split(' '));
        Assert.NotEqual(0, code);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Probe_Json_AgainstOurServer_ReportsUdpAndNoNat()
    {
        await using var server = new StunServer(
            new StunServerOptions { Listen = new IPEndPoint(IPAddress.Loopback, 0), AlternateIp = IPAddress.Parse("127.0.0.2"), AlternatePort = 0 },
            new StunServerMetrics(Metrics.NewCustomRegistry()));
        server.Start();

        var (code, output, error) = await InvokeAsync(["probe", server.LocalEndPoint.ToString(), "--json", "--local", "127.0.0.1:0"]);

        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.True(root.GetProperty("udp").GetBoolean());
        Assert.Equal(root.GetProperty("localAddress").GetString(), root.GetProperty("mappedAddress").GetString());
        Assert.StartsWith("127.0.0.1:", root.GetProperty("mappedAddress").GetString(), StringComparison.Ordinal);
        Assert.False(root.GetProperty("behindNat").GetBoolean());
        Assert.Equal("EIM", root.GetProperty("mapping").GetString());
        Assert.Equal("EIF", root.GetProperty("filtering").GetString());
        Assert.True(root.GetProperty("hairpinning").GetBoolean());
    }

    [Fact]
    public async Task Probe_NoAnswer_PrintsNoUdpAndExits3()
    {
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));

        var (code, output, _) = await InvokeAsync(["probe", silent.LocalEndPoint!.ToString()!, "--timeout", "600ms"]);

        Assert.Equal(StunCommandLine.ExitNoUdp, code);
        Assert.StartsWith("no UDP:", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_AddressInUse_ExplainsAndExits1()
    {
        using var taken = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        taken.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var (code, _, error) = await InvokeAsync(["--listen", taken.LocalEndPoint!.ToString()!]);
        Assert.Equal(1, code);
        Assert.Contains("cannot listen on", error, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Output, string Error)> InvokeAsync(string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await StunCommandLine.Build().Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }
}
