using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Nexodus.Mesh.Core.Contracts;
using Nexodus.Mesh.Core.Keys;

namespace Nexodus.Mesh.Control.Bench;

/// <summary>
/// Simulated devices in this one process: each enrolls with the registration key (its own Curve25519 node key, the
/// credential sealed to it and opened with it) and holds its netmap stream on its own HTTP/1.1 connection.
/// </summary>
internal sealed class StreamFleet : IDisposable
{
    private readonly HttpClient _streams;
    private readonly HttpClient _api;
    private readonly ConcurrentDictionary<NetmapStream, Task> _open = new();
    private int _ended;

    public StreamFleet(Uri control)
    {
        // One connection per stream, as separate devices would have: no limit per server, never recycled.
        _streams = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = int.MaxValue,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            ConnectTimeout = TimeSpan.FromSeconds(30),
            UseCookies = false,
        })
        { BaseAddress = control, Timeout = Timeout.InfiniteTimeSpan };
        _api = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64, UseCookies = false })
        {
            BaseAddress = control,
            Timeout = TimeSpan.FromSeconds(120),
        };
    }

    public volatile Probe? ActiveProbe;

    public long LastByteTimestamp;

    /// <summary>Set when the run is over: streams ending now are expected.</summary>
    public volatile bool Stopping;

    public int OpenStreams => _open.Count;

    public int EndedStreams => Volatile.Read(ref _ended);

    public long BytesRead
    {
        get
        {
            long sum = 0;
            foreach (var s in _open.Keys)
            {
                sum += s.BytesRead;
            }

            return sum;
        }
    }

    /// <summary>Enrolls a new device with the given node key; returns its device credential.</summary>
    public async Task<string> EnrollAsync(string registrationKey, string hostname, PendingKey pending)
    {
        var key = pending.Key;
        var request = new EnrollRequest
        {
            NodeKey = key.PublicKey.ToString(),
            DiscoKey = PrivateKey.Generate().PublicKey.ToString(),
            Hostname = hostname,
            Os = "linux",
            RegistrationKey = registrationKey,
        };
        using var res = await _api.PostAsJsonAsync("/api/enroll", request, ContractsJsonContext.Default.EnrollRequest);
        if (res.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"enroll {hostname}: {(int)res.StatusCode} {await res.Content.ReadAsStringAsync()}");
        }

        var body = await res.Content.ReadFromJsonAsync(ContractsJsonContext.Default.EnrollResponse) ?? throw new InvalidOperationException("empty enroll response");
        if (!SealedBox.TryOpen(key, Convert.FromBase64String(body.SealedCredential), out var credential))
        {
            throw new InvalidOperationException("sealed credential does not open with the node key");
        }

        return Encoding.UTF8.GetString(credential);
    }

    /// <summary>Opens the device's netmap stream and returns once its first line (the full map) has arrived.</summary>
    public async Task OpenAsync(string credential)
    {
        using var req = new HttpRequestMessage(HttpMethod.Get, "/api/device/netmap");
        req.Headers.Authorization = new AuthenticationHeaderValue("Device", credential);
        var res = await _streams.SendAsync(req, HttpCompletionOption.ResponseHeadersRead);
        if (!res.IsSuccessStatusCode)
        {
            var status = res.StatusCode;
            res.Dispose();
            throw new InvalidOperationException($"netmap stream: {(int)status}");
        }

        var body = await res.Content.ReadAsStreamAsync();
        var stream = new NetmapStream(res, body, this, ActiveProbe?.Id ?? -1);
        _open[stream] = stream.PumpAsync();
        await stream.FirstLine.Task;
    }

    public void StreamEnded(NetmapStream stream, Exception? error)
    {
        if (_open.TryRemove(stream, out _))
        {
            Interlocked.Increment(ref _ended);
            if (!Stopping && Volatile.Read(ref _ended) <= 5)
            {
                Console.Error.WriteLine($"bench: a netmap stream ended: {error?.Message ?? "closed by the server"}");
            }
        }
    }

    /// <summary>Waits until no stream has read anything for <paramref name="quiet"/> (or <paramref name="max"/> passed).</summary>
    public async Task WaitQuietAsync(TimeSpan quiet, TimeSpan max)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(max.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetElapsedTime(Volatile.Read(ref LastByteTimestamp)) < quiet && Stopwatch.GetTimestamp() < deadline)
        {
            await Task.Delay(100);
        }
    }

    public void Dispose()
    {
        _streams.Dispose();
        _api.Dispose();
    }
}
