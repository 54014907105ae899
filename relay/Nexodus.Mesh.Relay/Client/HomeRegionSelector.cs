namespace Nexodus.Mesh.Relay.Client;

/// <summary>
/// Picks the home relay region from measured latencies, with hysteresis so a node does not flap between two
/// regions of similar latency: it moves only when another region is clearly better (below
/// <see cref="SwitchRatio"/> of the current latency and at least <see cref="MinImprovement"/> faster), or when the
/// current region stops answering.
/// </summary>
public sealed class HomeRegionSelector
{
    public HomeRegionSelector(double switchRatio = 2.0 / 3.0, TimeSpan? minImprovement = null)
    {
        SwitchRatio = switchRatio;
        MinImprovement = minImprovement ?? TimeSpan.FromMilliseconds(10);
    }

    public double SwitchRatio { get; }

    public TimeSpan MinImprovement { get; }

    public string? Current { get; private set; }

    /// <summary>Feeds one round of measurements (null = unreachable); returns the (possibly new) home region.</summary>
    public string? Update(IReadOnlyDictionary<string, TimeSpan?> latencies)
    {
        string? best = null;
        var bestLatency = TimeSpan.MaxValue;
        foreach (var (region, latency) in latencies)
        {
            if (latency is { } l && (l < bestLatency || (l == bestLatency && string.CompareOrdinal(region, best) < 0)))
            {
                best = region;
                bestLatency = l;
            }
        }

        if (best is null)
        {
            return Current;
        }

        if (Current is null || !latencies.TryGetValue(Current, out var current) || current is null)
        {
            Current = best;
            return Current;
        }

        var cur = current.Value;
        if (best != Current && bestLatency < cur * SwitchRatio && cur - bestLatency >= MinImprovement)
        {
            Current = best;
        }

        return Current;
    }
}
