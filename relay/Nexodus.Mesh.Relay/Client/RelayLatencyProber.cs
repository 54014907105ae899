using System.Diagnostics;
using Nexodus.Mesh.Relay.Protocol;
using Nexodus.Mesh.Relay.Transport;

namespace Nexodus.Mesh.Relay.Client;

/// <summary>
/// Measures latency to relays with GET /relay/probe (204, no body). Each sample is a request on a warm
/// keep-alive connection, so it measures the round trip, not TCP+TLS setup; the region's figure is the best of its
/// relays' medians.
/// </summary>
public sealed class RelayLatencyProber : IDisposable
{
    private readonly HttpClient _http;

    public RelayLatencyProber(TlsTrust trust)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = (_, cert, _, errors) => trust.Validate(cert, errors) },
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        };
        _http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(3) };
    }

    /// <summary>Median of <paramref name="samples"/> round trips to one relay (after a warm-up); null when it does not answer 204.</summary>
    public async Task<TimeSpan?> ProbeAsync(Uri relayBase, int samples, CancellationToken cancellationToken)
    {
        var probe = new Uri(relayBase, ProtocolConstants.ProbePath);
        var results = new List<TimeSpan>(samples);
        try
        {
            for (var i = 0; i <= samples; i++)
            {
                var start = Stopwatch.GetTimestamp();
                using var response = await _http.GetAsync(probe, cancellationToken);
                if (response.StatusCode != System.Net.HttpStatusCode.NoContent)
                {
                    return null;
                }

                if (i > 0)
                {
                    results.Add(Stopwatch.GetElapsedTime(start));
                }
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }

        results.Sort();
        return results[results.Count / 2];
    }

    /// <summary>Probes every relay of every region; a region's latency is its best relay's.</summary>
    public async Task<Dictionary<string, TimeSpan?>> ProbeRegionsAsync(IReadOnlyDictionary<string, IReadOnlyList<Uri>> regions, int samples, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, TimeSpan?>();
        foreach (var (region, relays) in regions)
        {
            TimeSpan? best = null;
            foreach (var relay in relays)
            {
                var latency = await ProbeAsync(relay, samples, cancellationToken);
                if (latency is { } l && (best is null || l < best))
                {
                    best = l;
                }
            }

            result[region] = best;
        }

        return result;
    }

    public void Dispose() => _http.Dispose();
}
