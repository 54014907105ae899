using System.Diagnostics;
using System.Globalization;
using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.Relay.Client;
using Nexodus.Mesh.Relay.Server;
using Nexodus.Mesh.Relay.Transport;
using Nexodus.Mesh.TestDoubles.Relay;

// Relay throughput and latency on this machine: one relay (Kestrel, TLS, dev cert) and N client pairs in this
// process over loopback. Each sender pushes fixed-size packets to its receiver as fast as the connection takes
// them (it backs off when its send queue passes a threshold, so we measure the relay, not drops). Every packet
// carries its send timestamp; the receiver records one-way latency (same clock).
var pairs = Arg("--pairs", 4);
var seconds = Arg("--seconds", 10);
var size = Arg("--size", 1400);
var window = Arg("--window", 1024);
var transport = args.Contains("--websocket") ? RelayTransport.WebSocket : RelayTransport.Upgrade;

using var issuer = new TestTokenIssuer();
var vpc = Guid.NewGuid();
await using var relay = await RelayTestServer.StartAsync(issuer, k => new RelayServerOptions { PrivateKey = k, DataQueueSize = 4096 });
Console.WriteLine($"relay {relay.RelayUrl} (TLS), {pairs} pairs, window {window} packets, {size}-byte packets, {seconds} s, transport {transport}, {Environment.ProcessorCount} CPUs, load average {LoadAverage()}");

var receivedBytes = new long[pairs];
var receivedPackets = new long[pairs];
var sentPackets = new long[pairs];
var arrived = new long[pairs];
var latencies = new List<double>[pairs];
var warm = false;
var clients = new List<RelayClient>();
var senders = new RelayClient[pairs];
var receivers = new PrivateKey[pairs];
for (var i = 0; i < pairs; i++)
{
    var index = i;
    latencies[i] = new List<double>(1 << 20);
    var rk = PrivateKey.Generate();
    receivers[i] = rk;
    var receiver = Client(rk, (_, packet, _) =>
    {
        Volatile.Write(ref arrived[index], arrived[index] + 1);
        if (!Volatile.Read(ref warm))
        {
            return;
        }

        receivedBytes[index] += packet.Length;
        var n = ++receivedPackets[index];
        if ((n & 15) == 0)
        {
            var sentAt = BitConverter.ToInt64(packet);
            latencies[index].Add(Stopwatch.GetElapsedTime(sentAt).TotalMilliseconds);
        }
    });
    senders[i] = Client(PrivateKey.Generate(), null);
    clients.Add(receiver);
    clients.Add(senders[i]);
}

foreach (var c in clients)
{
    c.Start();
}

using (var connect = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
{
    foreach (var c in clients)
    {
        await c.WaitConnectedAsync(connect.Token);
    }
}

using var stop = new CancellationTokenSource();
var tasks = new List<Task>();
for (var i = 0; i < pairs; i++)
{
    var index = i;
    tasks.Add(Task.Run(async () =>
    {
        var packet = new byte[size];
        var sender = senders[index];
        var destination = receivers[index].PublicKey;
        while (!stop.IsCancellationRequested)
        {
            // A closed loop, like a transport protocol inside the tunnel: at most `window` packets in flight, so we
            // measure what the relay carries rather than how much it drops.
            if (sentPackets[index] - Volatile.Read(ref arrived[index]) > window)
            {
                await Task.Delay(1);
                continue;
            }

            for (var burst = 0; burst < 64; burst++)
            {
                BitConverter.TryWriteBytes(packet, Stopwatch.GetTimestamp());
                if (sender.Send(destination, packet))
                {
                    sentPackets[index]++;
                }
            }
        }
    }));
}

await Task.Delay(TimeSpan.FromSeconds(1)); // warm-up: JIT, TCP windows
Volatile.Write(ref warm, true);
var start = Stopwatch.GetTimestamp();
await Task.Delay(TimeSpan.FromSeconds(seconds));
var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
var totalBytes = receivedBytes.Sum();
var totalPackets = receivedPackets.Sum();
await stop.CancelAsync();
await Task.WhenAll(tasks);

var all = latencies.SelectMany(l => l).ToList();
all.Sort();
double Pct(double p) => all.Count == 0 ? double.NaN : all[Math.Min(all.Count - 1, (int)(all.Count * p))];
var gbps = totalBytes * 8 / elapsed / 1e9;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"throughput: {gbps:F2} Gbit/s payload ({totalPackets / elapsed / 1000:F0} kpps), target 1.5 Gbit/s: {(gbps >= 1.5 ? "met" : "NOT met")}"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"one-way latency under load: p50 {Pct(0.50):F2} ms, p99 {Pct(0.99):F2} ms, max {Pct(1.0):F2} ms ({all.Count} samples)"));
Console.WriteLine($"relay drops: data queue {relay.Server.Metrics.Drops.WithLabels("queue_data").Value}, no route {relay.Server.Metrics.Drops.WithLabels("no_route").Value}");
for (var i = 0; i < pairs; i++)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  pair {i}: {receivedBytes[i] * 8 / elapsed / 1e9:F2} Gbit/s"));
}

foreach (var c in clients)
{
    await c.DisposeAsync();
}

return 0;

RelayClient Client(PrivateKey key, RelayPacketHandler? handler) => new(new RelayClientOptions
{
    Url = relay.RelayUrl,
    NodeKey = key,
    TokenProvider = _ => ValueTask.FromResult(issuer.Issue(key.PublicKey, [vpc])),
    Trust = relay.Trust,
    Transport = transport,
    OnPacket = handler,
    SendQueueSize = 4096,
});

// Figures from a busy machine mean little; print what else was running.
static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";

int Arg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var v) ? v : fallback;
}
