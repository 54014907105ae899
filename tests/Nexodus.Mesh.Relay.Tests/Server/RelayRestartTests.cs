using System.Diagnostics;
using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.Relay.Server;
using Nexodus.Mesh.Relay.Tests.Support;
using Nexodus.Mesh.TestDoubles.Relay;
using Xunit.Abstractions;

namespace Nexodus.Mesh.Relay.Tests.Server;

public sealed class RelayRestartTests(ITestOutputHelper output)
{
    private static readonly TimeSpan ResumeBudget = TimeSpan.FromSeconds(3);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RelayRestartedMidTransfer_TrafficResumesWithin3s(bool graceful)
    {
        using var issuer = new TestTokenIssuer();
        var vpc = Guid.NewGuid();
        using var key = PrivateKey.Generate();
        var cert = DevCertificate.Create();
        var port = FreePort.Next();
        var relay = await RelayTestServer.StartAsync(issuer, k => new RelayServerOptions { PrivateKey = k }, port: port, key: key, certificate: cert);
        await using var a = TestClient.Create(relay, issuer, [vpc], reconnectMax: TimeSpan.FromSeconds(1));
        await using var b = TestClient.Create(relay, issuer, [vpc], reconnectMax: TimeSpan.FromSeconds(1));
        a.Client.Start();
        b.Client.Start();
        using var connect = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await a.Client.WaitConnectedAsync(connect.Token);
        await b.Client.WaitConnectedAsync(connect.Token);

        // A continuous transfer: one numbered packet every 5 ms.
        using var stop = new CancellationTokenSource();
        var seq = 0;
        var sender = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                a.Client.Send(b.PublicKey, BitConverter.GetBytes(Interlocked.Increment(ref seq)));
                await Task.Delay(5);
            }
        });
        Assert.NotNull(await b.ReceiveAsync(TimeSpan.FromSeconds(5)));

        var killedAt = Stopwatch.GetTimestamp();
        if (graceful)
        {
            await relay.Host.StopAsync(TimeSpan.FromMilliseconds(200));
        }
        else
        {
            await relay.Host.KillAsync();
        }

        while (b.Packets.Reader.TryRead(out _))
        {
        }

        var seqAtRestart = Volatile.Read(ref seq);
        await using var restarted = await RelayTestServer.StartAsync(issuer, k => new RelayServerOptions { PrivateKey = k }, port: port, key: key, certificate: cert);
        var upAt = Stopwatch.GetTimestamp();

        TestClient.Received? resumed;
        do
        {
            resumed = await b.ReceiveAsync(ResumeBudget + TimeSpan.FromSeconds(2));
            Assert.NotNull(resumed);
        }
        while (BitConverter.ToInt32(resumed.Packet) <= seqAtRestart);

        var sinceUp = Stopwatch.GetElapsedTime(upAt);
        var sinceKill = Stopwatch.GetElapsedTime(killedAt);
        output.WriteLine($"graceful={graceful}: traffic resumed {sinceUp.TotalMilliseconds:F0} ms after the relay was back, {sinceKill.TotalMilliseconds:F0} ms after it went down");
        await stop.CancelAsync();
        await sender;

        Assert.True(sinceUp < ResumeBudget, $"traffic resumed {sinceUp.TotalMilliseconds:F0} ms after restart (budget {ResumeBudget.TotalMilliseconds} ms)");
        Assert.True(a.Client.ConnectionCount >= 2 && b.Client.ConnectionCount >= 2);
    }
}
