using System.Net;
using System.Net.Sockets;
using Nexodus.Mesh.Netsim.Scenarios;
using Nexodus.Mesh.TestDoubles;
using Nexodus.Mesh.TestDoubles.Netsim;

namespace Nexodus.Mesh.Netsim.Tests;

public sealed class LabApiTests
{
    [RootFact]
    public async Task ExecAsync_ReturnsExitCodeAndOutput_InTheHostNamespace()
    {
        await using var lab = await Lab.StartAsync(BuiltInScenarios.Load("eim-apdf"));
        var alice = lab.Host("alice");
        var r = await alice.ExecAsync("sh", "-c", "ip -4 -o addr show dev eth0; echo oops >&2; exit 3");
        Assert.Equal(3, r.ExitCode);
        Assert.Contains("192.168.1.10/24", r.StandardOutput, StringComparison.Ordinal);
        Assert.Equal("oops\n", r.StandardError);
        var route = await alice.ExecAsync("ip", "route", "show", "default");
        Assert.Contains("via 192.168.1.1", route.StandardOutput, StringComparison.Ordinal);
    }

    [RootFact]
    public async Task StartProcess_WaitsForALine_AndStopsOnDispose()
    {
        await using var lab = await Lab.StartAsync(BuiltInScenarios.Load("public"));
        var alice = lab.Host("alice");
        var process = alice.StartProcess("sh", "-c", "sleep 0.2; echo ready on $(ip -4 -o addr show dev eth0 | awk '{print $4}'); exec sleep 60");
        var line = await process.WaitForOutputAsync("ready", TimeSpan.FromSeconds(5));
        Assert.Equal("ready on 203.0.113.60/24", line);
        var pid = process.Id;
        await process.DisposeAsync();
        Assert.False(Directory.Exists($"/proc/{pid}") && !File.ReadAllText($"/proc/{pid}/stat").Contains(" Z ", StringComparison.Ordinal));

        var quitter = alice.StartProcess("sh", "-c", "echo bye; exit 4");
        var e = await Assert.ThrowsAsync<TimeoutException>(() => quitter.WaitForOutputAsync("never", TimeSpan.FromSeconds(5)));
        Assert.Contains("exited", e.Message, StringComparison.Ordinal);
        Assert.Equal(4, await quitter.WaitForExitAsync(TimeSpan.FromSeconds(5)));
        await quitter.DisposeAsync();
    }

    [RootFact]
    public async Task Sockets_CreatedThroughTheHost_LiveInItsNamespace()
    {
        await using var lab = await Lab.StartAsync(BuiltInScenarios.Load("eim-apdf"));
        var alice = lab.Host("alice");
        // 192.168.1.10 exists only inside alice's namespace, so binding to it proves where the socket lives.
        using var inside = alice.OpenUdpSocket(new IPEndPoint(alice.Address, 0));
        using var outside = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        var e = Assert.Throws<SocketException>(() => outside.Bind(new IPEndPoint(alice.Address, 0)));
        Assert.Equal(SocketError.AddressNotAvailable, e.SocketErrorCode);

        var devices = await alice.RunAsync(() => File.ReadAllText("/proc/thread-self/net/dev"));
        Assert.Contains("eth0:", devices, StringComparison.Ordinal);
        Assert.DoesNotContain("wan:", devices, StringComparison.Ordinal);
    }

    [RootFact]
    public async Task RunAsync_AsyncCode_StaysInTheNamespaceAcrossAwaits()
    {
        await using var lab = await Lab.StartAsync(BuiltInScenarios.Load("eim-apdf"));
        var stun = lab.Host("stun");
        var alice = lab.Host("alice");
        using var stop = new CancellationTokenSource();

        // An async echo server written the ordinary way: its socket is created after an await.
        var server = stun.RunAsync(async () =>
        {
            await Task.Delay(10, stop.Token);
            using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            s.Bind(new IPEndPoint(stun.Addresses[1], 7000)); // only exists inside stun's namespace
            var buf = new byte[64];
            var r = await s.ReceiveFromAsync(buf, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), stop.Token);
            await s.SendToAsync(buf.AsMemory(0, r.ReceivedBytes), SocketFlags.None, r.RemoteEndPoint, stop.Token);
            return ((IPEndPoint)r.RemoteEndPoint).Address;
        });
        await stun.WaitForUdpPortAsync(7000, TimeSpan.FromSeconds(5));

        using var client = alice.OpenUdpSocket();
        await client.SendToAsync("ping"u8.ToArray(), SocketFlags.None, new IPEndPoint(stun.Addresses[1], 7000));
        var reply = new byte[64];
        var got = await client.ReceiveFromAsync(reply, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0)).WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal("ping", System.Text.Encoding.ASCII.GetString(reply, 0, got.ReceivedBytes));
        Assert.Equal(lab.Router("home").WanAddress, await server.WaitAsync(TimeSpan.FromSeconds(5)));

        var inner = await alice.RunAsync(async () =>
        {
            await Task.Yield();
            return await File.ReadAllTextAsync("/proc/thread-self/net/dev");
        });
        Assert.Contains("eth0:", inner, StringComparison.Ordinal);
    }

    [RootFact]
    public async Task WaitForPorts_SeeSocketsInTheNamespace_AndTimeOutOtherwise()
    {
        await using var lab = await Lab.StartAsync(BuiltInScenarios.Load("public"));
        var stun = lab.Host("stun");
        using var udp = stun.OpenUdpSocket(new IPEndPoint(IPAddress.Any, 3478));
        using var tcp = stun.OpenTcpListener(new IPEndPoint(IPAddress.Any, 4443));
        await stun.WaitForUdpPortAsync(3478, TimeSpan.FromSeconds(2));
        await stun.WaitForTcpPortAsync(4443, TimeSpan.FromSeconds(2));
        await Assert.ThrowsAsync<TimeoutException>(() => stun.WaitForUdpPortAsync(3479, TimeSpan.FromMilliseconds(300)));
        // The same port bound in another namespace does not count.
        await Assert.ThrowsAsync<TimeoutException>(() => lab.Host("alice").WaitForTcpPortAsync(4443, TimeSpan.FromMilliseconds(300)));
    }

    [RootFact]
    public async Task Capture_RecordsTranslatedPackets()
    {
        await using var lab = await Lab.StartAsync(BuiltInScenarios.Load("eim-apdf"));
        var stun = lab.Host("stun");
        await using var observer = UdpObserver.Start(stun);
        var inner = await lab.Host("alice").CaptureAsync(filter: "udp port 3478");
        var outer = await stun.CaptureAsync(filter: "udp");
        var segment = await lab.Network("internet").CaptureAsync(filter: "udp");
        await using var probe = new ProbeSocket(lab.Host("alice"), 5000);
        var mapped = await NatProbe.SendAndObserveAsync(probe, observer, observer.Endpoint(0, 0));

        var innerText = await inner.StopAndReadTextAsync();
        var outerText = await outer.StopAndReadTextAsync(withPayload: true);
        Assert.True(innerText.Contains("192.168.1.10.5000 > 203.0.113.20.3478", StringComparison.Ordinal), innerText + "\n---\n" + outerText + "\n---\n" + inner.Log + outer.Log + new FileInfo(inner.FilePath).Length);
        Assert.Contains("192.168.1.10.5000 > 203.0.113.20.3478", innerText, StringComparison.Ordinal);
        Assert.Contains($"203.0.113.10.{mapped!.Port} > 203.0.113.20.3478", outerText, StringComparison.Ordinal);
        Assert.Contains("out-", outerText, StringComparison.Ordinal);
        // The internet segment's bridge sees the same translated packet on the wire.
        Assert.Contains($"203.0.113.10.{mapped.Port} > 203.0.113.20.3478", await segment.StopAndReadTextAsync(), StringComparison.Ordinal);
        await segment.DisposeAsync();
        Assert.True(new FileInfo(inner.FilePath).Length > 24);
        await inner.DisposeAsync();
        await outer.DisposeAsync();
    }

    [RootFact]
    public async Task BlockPeer_AndCutLink_StopTraffic_UntilLifted()
    {
        await using var lab = await Lab.StartAsync(BuiltInScenarios.Load("eim-eif"));
        var alice = lab.Host("alice");
        var stun = lab.Host("stun");
        await using var observer = UdpObserver.Start(stun);
        await using var probe = new ProbeSocket(alice);
        Assert.NotNull(await NatProbe.SendAndObserveAsync(probe, observer, observer.Endpoint(0, 0)));

        var block = await alice.BlockPeerAsync(stun.Addresses[0]);
        Assert.Null(await NatProbe.SendAndObserveAsync(probe, observer, observer.Endpoint(0, 0)));
        Assert.NotNull(await NatProbe.SendAndObserveAsync(probe, observer, observer.Endpoint(1, 0)));
        await block.DisposeAsync();
        Assert.NotNull(await NatProbe.SendAndObserveAsync(probe, observer, observer.Endpoint(0, 0)));

        // Cutting the router's WAN link isolates the whole LAN; restoring it brings it back.
        await lab.CutLinkAsync("home", "internet");
        Assert.Null(await NatProbe.SendAndObserveAsync(probe, observer, observer.Endpoint(0, 0)));
        await lab.RestoreLinkAsync("home", "internet");
        Assert.NotNull(await NatProbe.SendAndObserveAsync(probe, observer, observer.Endpoint(0, 0)));

        await lab.CutLinkAsync("alice");
        Assert.Null(await NatProbe.SendAndObserveAsync(probe, observer, observer.Endpoint(0, 1)));
        await lab.RestoreLinkAsync("alice");
        Assert.NotNull(await NatProbe.SendAndObserveAsync(probe, observer, observer.Endpoint(0, 1)));
        await Assert.ThrowsAsync<ArgumentException>(() => lab.CutLinkAsync("alice", "internet"));
    }

    [RootFact]
    public async Task HttpClient_FromAHost_ConnectsFromItsNamespace()
    {
        await using var lab = await Lab.StartAsync(BuiltInScenarios.Load("eim-apdf"));
        var stun = lab.Host("stun");
        using var listener = stun.OpenTcpListener(new IPEndPoint(stun.Address, 8080));
        var serve = Task.Run(async () =>
        {
            using var c = await listener.AcceptAsync();
            var buf = new byte[4096];
            await c.ReceiveAsync(buf);
            var body = ((IPEndPoint)c.RemoteEndPoint!).Address.ToString();
            await c.SendAsync(System.Text.Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}"));
        });
        using var http = lab.Host("alice").CreateHttpClient();
        var seen = await http.GetStringAsync(new Uri($"http://{stun.Address}:8080/"));
        Assert.Equal("203.0.113.10", seen);
        await serve;
    }

    [RootFact]
    public async Task StartAsync_RejectsADuplicateRunName_AndNonRootIsExplained()
    {
        var options = new LabOptions { RunName = "dup" + Random.Shared.Next(10000, 99999) };
        await using var lab = await Lab.StartAsync(BuiltInScenarios.Load("public"), options);
        var e = await Assert.ThrowsAsync<NetsimException>(() => Lab.StartAsync(BuiltInScenarios.Load("public"), options));
        Assert.Contains("already exists", e.Message, StringComparison.Ordinal);
        Assert.Equal(options.RunName, lab.RunName);
        Assert.StartsWith($"nsim-{options.RunName}-", lab.Host("alice").NamespaceName, StringComparison.Ordinal);
    }
}
