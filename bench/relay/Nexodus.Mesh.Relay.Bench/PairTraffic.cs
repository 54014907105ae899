using System.Diagnostics;
using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.Relay.Client;
using Nexodus.Mesh.Relay.Transport;
using Nexodus.Mesh.TestDoubles.Relay;

namespace Nexodus.Mesh.Relay.Bench;

/// <summary>What one measured run delivered, counted at the receivers.</summary>
internal sealed record TrafficResult(double Seconds, long Bytes, long Packets, long Sent, double[] LatenciesMs, long[] BytesPerPair, TimeSpan ClientCpu, long Malformed);

/// <summary>
/// N sender→receiver pairs of real <see cref="RelayClient"/>s through one relay. Each sender pushes fixed-size
/// packets in a closed loop (at most <c>window</c> packets in flight, like a transport protocol inside the tunnel)
/// so we measure what the relay carries, not how much it drops. Every packet carries its send timestamp; the
/// receiver checks the size, counts it and samples one-way latency (same clock, same machine).
/// </summary>
internal static class PairTraffic
{
    public static async Task<TrafficResult> RunAsync(Uri relayUrl, TlsTrust trust, TestTokenIssuer issuer, RelayTransport transport, int pairs, int size, int window, int seconds, Func<TimeSpan>? extraCpu = null)
    {
        var vpc = Guid.NewGuid();
        var receivedBytes = new long[pairs];
        var receivedPackets = new long[pairs];
        var sentPackets = new long[pairs];
        var arrived = new long[pairs];
        var latencies = new List<double>[pairs];
        var warm = false;
        long malformed = 0;
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
                if (packet.Length != size)
                {
                    // A truncated or merged frame would be a relay bug; never count it as throughput.
                    Interlocked.Increment(ref malformed);
                    return;
                }

                Volatile.Write(ref arrived[index], arrived[index] + 1);
                if (!Volatile.Read(ref warm))
                {
                    return;
                }

                receivedBytes[index] += packet.Length;
                var n = ++receivedPackets[index];
                if ((n & 15) == 0)
                {
                    latencies[index].Add(Stopwatch.GetElapsedTime(BitConverter.ToInt64(packet)).TotalMilliseconds);
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

        using (var connect = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
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

        // Warm-up: TCP windows, and JIT tiering (tier-0 → instrumented → optimized code takes seconds on a loaded
        // machine; a relay runs for days, so the steady state is what counts).
        await Task.Delay(TimeSpan.FromSeconds(3));
        Volatile.Write(ref warm, true);
        var cpu0 = CpuTime.OfSelf() + (extraCpu?.Invoke() ?? TimeSpan.Zero);
        var start = Stopwatch.GetTimestamp();
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var cpu = CpuTime.OfSelf() + (extraCpu?.Invoke() ?? TimeSpan.Zero) - cpu0;
        var bytesPerPair = (long[])receivedBytes.Clone();
        var totalPackets = receivedPackets.Sum();
        var sent = sentPackets.Sum();
        await stop.CancelAsync();
        await Task.WhenAll(tasks);
        foreach (var c in clients)
        {
            await c.DisposeAsync();
        }

        var all = new List<double>();
        foreach (var l in latencies)
        {
            all.AddRange(l);
        }

        all.Sort();
        return new TrafficResult(elapsed, bytesPerPair.Sum(), totalPackets, sent, [.. all], bytesPerPair, cpu, Interlocked.Read(ref malformed));

        RelayClient Client(PrivateKey key, RelayPacketHandler? handler) => new(new RelayClientOptions
        {
            Url = relayUrl,
            NodeKey = key,
            TokenProvider = _ => ValueTask.FromResult(issuer.Issue(key.PublicKey, [vpc])),
            Trust = trust,
            Transport = transport,
            OnPacket = handler,
            SendQueueSize = 4096,
        });
    }
}
