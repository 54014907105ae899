namespace Nexodus.Mesh.Node.Metrics;

/// <summary>
/// Extra packet-filter drops by direction, added to the engine firewall's own counters in
/// <c>nexd_filter_drops_total{direction}</c> and <c>nexd_drops_total{reason="filter_inbound|filter_outbound"}</c>.
/// The engine's <c>Filter.Firewall</c> counts its drops itself (read at scrape time); this hook is for filter stages
/// outside the engine (e.g. the proxy mode) and costs one interlocked add; <see cref="Shared"/> needs no plumbing.
/// </summary>
internal sealed class FilterDropCounters
{
    private readonly long[] _dropped = new long[2];

    /// <summary>The process-wide instance the agent's metrics read.</summary>
    public static FilterDropCounters Shared { get; } = new();

    public long Inbound => Interlocked.Read(ref _dropped[(int)FilterDropDirection.Inbound]);

    public long Outbound => Interlocked.Read(ref _dropped[(int)FilterDropDirection.Outbound]);

    public void Drop(FilterDropDirection direction, int packets = 1) => Interlocked.Add(ref _dropped[(int)direction], packets);
}
