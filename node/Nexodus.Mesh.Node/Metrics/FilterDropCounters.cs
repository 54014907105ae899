namespace Nexodus.Mesh.Node.Metrics;

/// <summary>
/// Packets the packet filter dropped, by direction: exported as <c>nexd_filter_drops_total{direction}</c> and in
/// <c>nexd_drops_total{reason="filter_inbound|filter_outbound"}</c>. The filter calls <see cref="Drop"/> on the hot
/// path (one interlocked add, no allocation); <see cref="Shared"/> exists so the filter needs no plumbing to reach it.
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
