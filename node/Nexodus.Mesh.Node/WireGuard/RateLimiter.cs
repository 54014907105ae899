namespace Nexodus.Mesh.Node.WireGuard;

/// <summary>
/// Per-source token bucket for handshake messages under load (20 per second, burst 5, as wireguard-go).
/// Stale entries are dropped lazily when the table grows, so a spoofing flood cannot grow it without bound.
/// </summary>
internal sealed class RateLimiter(TimeProvider time)
{
    private const int PacketsPerSecond = 20;
    private const int PacketsBurstable = 5;
    private const int MaxEntries = 65536;
    private static readonly long PacketCost = TimeSpan.TicksPerSecond / PacketsPerSecond;
    private static readonly long MaxTokens = PacketCost * PacketsBurstable;

    private readonly Lock _sync = new();
    private readonly Dictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);

    private sealed class Bucket
    {
        public long LastTicks;
        public long Tokens;
    }

    public bool Allow(ReadOnlySpan<byte> source)
    {
        var now = time.GetUtcNow().UtcTicks;
        var key = Convert.ToHexString(source);
        lock (_sync)
        {
            if (!_buckets.TryGetValue(key, out var bucket))
            {
                if (_buckets.Count >= MaxEntries)
                {
                    Collect(now);
                    if (_buckets.Count >= MaxEntries)
                    {
                        return false;
                    }
                }

                _buckets[key] = new Bucket { LastTicks = now, Tokens = MaxTokens - PacketCost };
                return true;
            }

            bucket.Tokens = Math.Min(MaxTokens, bucket.Tokens + (now - bucket.LastTicks));
            bucket.LastTicks = now;
            if (bucket.Tokens > PacketCost)
            {
                bucket.Tokens -= PacketCost;
                return true;
            }

            return false;
        }
    }

    private void Collect(long now)
    {
        var stale = new List<string>();
        foreach (var (key, bucket) in _buckets)
        {
            if (now - bucket.LastTicks > TimeSpan.TicksPerSecond)
            {
                stale.Add(key);
            }
        }

        foreach (var key in stale)
        {
            _buckets.Remove(key);
        }
    }
}
