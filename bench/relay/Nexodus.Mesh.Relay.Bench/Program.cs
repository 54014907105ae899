using System.Globalization;
using System.Net.Security;
using Nexodus.Mesh.Relay.Bench;
using Nexodus.Mesh.Relay.Server;
using Nexodus.Mesh.Relay.Transport;
using Nexodus.Mesh.TestDoubles.Relay;

// Relay throughput and latency of ~1400-byte packets between client pairs through one relay over TLS on this
// machine. Two layouts:
//   inprocess  relay (Kestrel, TLS, dev cert) and all clients in this process, unpinned;
//   split      the real nexodus-relay binary in its own process (pinned with --relay-cpu), the clients here (run.sh
//              pins this process to the other CPU), so the relay is charged only for relaying — as in production.
// Either way every byte is TLS-encrypted by the sender, decrypted and re-encrypted by the relay and decrypted by the
// receiver, the relay checks key proofs and admission tokens and runs its per-client rate limit, and packets are
// counted only when a receiver got them whole.
const double TargetGbps = 1.5;
const double DerperGbps = 1.87; // third-party benchmark, 2 vCPU; not measured here
var pairs = Arg("--pairs", 2);
var seconds = Arg("--seconds", 10);
var size = Arg("--size", 1400);
var window = Arg("--window", 1024);
var rate = (long)Arg("--rate-limit-mb", 512) * 1024 * 1024;
const long Burst = 4 * 1024 * 1024;
var layout = StringArg("--layout", "inprocess");
var relayCpu = StringArg("--relay-cpu", "") is { Length: > 0 } rc ? int.Parse(rc, CultureInfo.InvariantCulture) : (int?)null;
var transport = args.Contains("--websocket") ? RelayTransport.WebSocket : RelayTransport.Upgrade;
if (layout is not ("inprocess" or "split"))
{
    Console.Error.WriteLine("--layout must be inprocess or split");
    return 2;
}

using var issuer = new TestTokenIssuer();
var loadStart = CpuTime.LoadAverage();
TrafficResult result;
string where;
TimeSpan? relayCpuUsed = null;
Dictionary<string, double> counters;
if (layout == "inprocess")
{
    await using var relay = await RelayTestServer.StartAsync(issuer, k => new RelayServerOptions
    {
        PrivateKey = k,
        DataQueueSize = 4096,
        RateBytesPerSecond = rate,
        RateBurstBytes = Burst,
    });
    where = $"in-process: relay and {pairs * 2} clients in this process (pid {Environment.ProcessId}), affinity {Affinity()}";
    Console.WriteLine(Header(relay.RelayUrl, await CipherAsync(relay.RelayUrl, relay.Trust)));
    result = await PairTraffic.RunAsync(relay.RelayUrl, relay.Trust, issuer, transport, pairs, size, window, seconds);
    var m = relay.Server.Metrics;
    counters = new Dictionary<string, double>
    {
        ["queue_data"] = m.Value(m.Drops, "queue_data"),
        ["no_route"] = m.Value(m.Drops, "no_route"),
        ["throttle_s"] = m.ThrottleSeconds.Value,
    };
}
else
{
    var relayDll = StringArg("--relay-bin", Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../../relay/Nexodus.Mesh.Relay.Cli/bin/Release/net10.0/nexodus-relay.dll")));
    await using var relay = await RelayProcess.StartAsync(relayDll, issuer.JwksJson, relayCpu, rate, Burst);
    where = $"split: nexodus-relay pid {relay.Pid} on CPU {relayCpu?.ToString(CultureInfo.InvariantCulture) ?? "any"}, {pairs * 2} clients in pid {Environment.ProcessId} with affinity {Affinity()}";
    Console.WriteLine(Header(relay.RelayUrl, await CipherAsync(relay.RelayUrl, relay.Trust)));
    TimeSpan? relayAtStart = null;
    result = await PairTraffic.RunAsync(relay.RelayUrl, relay.Trust, issuer, transport, pairs, size, window, seconds, () =>
    {
        // Called at the start and the end of the measured window.
        var now = relay.Cpu;
        if (relayAtStart is { } s0)
        {
            relayCpuUsed = now - s0;
        }
        else
        {
            relayAtStart = now;
        }

        return TimeSpan.Zero;
    });
    var scraped = await relay.ScrapeAsync();
    counters = new Dictionary<string, double>
    {
        ["queue_data"] = scraped.GetValueOrDefault("nexodus_relay_dropped_packets_total{reason=\"queue_data\"}"),
        ["no_route"] = scraped.GetValueOrDefault("nexodus_relay_dropped_packets_total{reason=\"no_route\"}"),
        ["throttle_s"] = scraped.GetValueOrDefault("nexodus_relay_throttle_seconds_total"),
    };
}

var gbps = result.Bytes * 8 / result.Seconds / 1e9;
Console.WriteLine($"layout: {where}");
Console.WriteLine(Inv($"throughput: {gbps:F2} Gbit/s payload ({result.Packets / result.Seconds / 1000:F0} kpps, {result.Packets} packets of {size} B received in {result.Seconds:F1} s); target {TargetGbps} Gbit/s: {(gbps >= TargetGbps ? "met" : "NOT met")} (ratio {gbps / TargetGbps:F2}; vs derper's third-party {DerperGbps} Gbit/s: {gbps / DerperGbps:F2})"));
Console.WriteLine(Inv($"one-way latency under load: p50 {Pct(0.50):F2} ms, p99 {Pct(0.99):F2} ms, max {Pct(1.0):F2} ms ({result.LatenciesMs.Length} samples)"));
if (relayCpuUsed is { } rcpu)
{
    var clientCpu = result.ClientCpu;
    Console.WriteLine(Inv($"cpu over the window: relay {rcpu.TotalSeconds:F1} s ({rcpu.TotalSeconds / result.Seconds * 100:F0} % of a core), clients {clientCpu.TotalSeconds:F1} s; relay efficiency {result.Bytes * 8 / 1e9 / Math.Max(0.01, rcpu.TotalSeconds):F2} Gbit per relay CPU-second"));
}
else
{
    Console.WriteLine(Inv($"cpu over the window: relay + clients {result.ClientCpu.TotalSeconds:F1} s ({result.ClientCpu.TotalSeconds / result.Seconds * 100:F0} % of a core); {result.Bytes * 8 / 1e9 / Math.Max(0.01, result.ClientCpu.TotalSeconds):F2} Gbit per CPU-second for relay and clients together"));
}

Console.WriteLine(Inv($"relay counters: dropped queue_data {counters["queue_data"]}, no_route {counters["no_route"]}, rate-limit pauses {counters["throttle_s"]:F3} s (limit {rate / 1024 / 1024} MiB/s per client); malformed at receivers {result.Malformed}; sent {result.Sent}"));
for (var i = 0; i < pairs; i++)
{
    Console.WriteLine(Inv($"  pair {i}: {result.BytesPerPair[i] * 8 / result.Seconds / 1e9:F2} Gbit/s"));
}

Console.WriteLine($"load average: {loadStart} at start, {CpuTime.LoadAverage()} at end ({Environment.ProcessorCount} CPUs visible to this process)");
return result.Malformed == 0 && result.Packets > 0 ? 0 : 1;

string Header(Uri url, string cipher) =>
    $"relay {url}, {cipher}, {pairs} pairs, window {window} packets, {size}-byte packets, {seconds} s, transport {transport}";

double Pct(double p) => result.LatenciesMs.Length == 0 ? double.NaN : result.LatenciesMs[Math.Min(result.LatenciesMs.Length - 1, (int)(result.LatenciesMs.Length * p))];

// The negotiated TLS version and cipher suite, from one extra upgrade connection that is closed at once.
async Task<string> CipherAsync(Uri url, TlsTrust trust)
{
    if (transport != RelayTransport.Upgrade)
    {
        return "TLS (WebSocket)";
    }

    await using var stream = await RelayDialer.ConnectAsync(url, transport, trust, CancellationToken.None);
    return stream is SslStream ssl ? $"{ssl.SslProtocol} {ssl.NegotiatedCipherSuite}" : "no TLS";
}

// From /proc: the Process API for affinity is platform-specific, and this bench only runs on Linux anyway.
static string Affinity()
{
    foreach (var line in File.Exists("/proc/self/status") ? File.ReadLines("/proc/self/status") : [])
    {
        if (line.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal))
        {
            return "CPU " + line["Cpus_allowed_list:".Length..].Trim();
        }
    }

    return "n/a";
}

static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

int Arg(string name, int fallback) => int.TryParse(StringArg(name, ""), CultureInfo.InvariantCulture, out var v) ? v : fallback;

string StringArg(string name, string fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}
