namespace Nexodus.Mesh.Node.Filter;

/// <summary>One tracked flow (a value in the table; updated in place under the shard lock).</summary>
internal struct FlowEntry
{
    /// <summary>Direction of the flow's first packet: the one the filter's rules admitted.</summary>
    public FilterDirection Initiator;
    public FlowState State;

    /// <summary><see cref="FilterRuleSet.Generation"/> the flow was last checked against.</summary>
    public long Generation;

    /// <summary><see cref="TimeProvider.GetTimestamp"/> after which the entry is dead.</summary>
    public long ExpiresAt;
}
