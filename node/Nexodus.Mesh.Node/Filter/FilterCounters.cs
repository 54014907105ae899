namespace Nexodus.Mesh.Node.Filter;

/// <summary>What the packet filter did: drops per direction and reason, and the connection-tracking table's churn.</summary>
internal sealed class FilterCounters
{
    private long _flowsRevoked;
    private long _flowsExpired;

    public FilterDirectionCounters Inbound { get; } = new();

    public FilterDirectionCounters Outbound { get; } = new();

    /// <summary>Tracked flows removed because a new filter no longer admits them.</summary>
    public long FlowsRevoked => Interlocked.Read(ref _flowsRevoked);

    /// <summary>Tracked flows removed after their idle timeout.</summary>
    public long FlowsExpired => Interlocked.Read(ref _flowsExpired);

    public FilterDirectionCounters For(FilterDirection direction) => direction == FilterDirection.Inbound ? Inbound : Outbound;

    internal void AddRevoked() => Interlocked.Increment(ref _flowsRevoked);

    internal void AddExpired(int count) => Interlocked.Add(ref _flowsExpired, count);
}
