namespace Nexodus.Mesh.Node.Paths;

/// <summary>
/// Monotonic counters for metrics (prometheus-net in the agent reads them at scrape time). Paths by kind are a
/// gauge: take them from <see cref="PathManager.Snapshot"/> or <see cref="PathManager.CountPaths"/>.
/// </summary>
internal sealed class PathCounters
{
    private readonly long[] _dropped = new long[Enum.GetValues<DiscoDropReason>().Length];
    private long _pingsSent;
    private long _pongsSent;
    private long _callMeMaybeSent;
    private long _pingsReceived;
    private long _pongsReceived;
    private long _callMeMaybeReceived;
    private long _directSwitches;
    private long _relayFallbacks;
    private long _relayPacketsSent;
    private long _relayPacketsReceived;
    private long _relayDrops;
    private long _noPathDrops;
    private long _stunClaimed;

    public long PingsSent => Interlocked.Read(ref _pingsSent);

    public long PongsSent => Interlocked.Read(ref _pongsSent);

    public long CallMeMaybeSent => Interlocked.Read(ref _callMeMaybeSent);

    public long PingsReceived => Interlocked.Read(ref _pingsReceived);

    public long PongsReceived => Interlocked.Read(ref _pongsReceived);

    public long CallMeMaybeReceived => Interlocked.Read(ref _callMeMaybeReceived);

    /// <summary>Times a peer moved onto a direct path (from relay or from another direct address).</summary>
    public long DirectSwitches => Interlocked.Read(ref _directSwitches);

    /// <summary>Times a direct path stopped answering and the peer fell back to the relay.</summary>
    public long RelayFallbacks => Interlocked.Read(ref _relayFallbacks);

    public long RelayPacketsSent => Interlocked.Read(ref _relayPacketsSent);

    public long RelayPacketsReceived => Interlocked.Read(ref _relayPacketsReceived);

    /// <summary>Packets for the relay that could not be queued (not connected, queue full) or arrived from unknown keys.</summary>
    public long RelayDrops => Interlocked.Read(ref _relayDrops);

    /// <summary>Packets for a peer with neither a direct path nor a relay.</summary>
    public long NoPathDrops => Interlocked.Read(ref _noPathDrops);

    /// <summary>STUN answers claimed from the data socket.</summary>
    public long StunClaimed => Interlocked.Read(ref _stunClaimed);

    public long DiscoDropped(DiscoDropReason reason) => Interlocked.Read(ref _dropped[(int)reason]);

    public long DiscoDroppedTotal
    {
        get
        {
            long sum = 0;
            for (var i = 0; i < _dropped.Length; i++)
            {
                sum += Interlocked.Read(ref _dropped[i]);
            }

            return sum;
        }
    }

    internal void Dropped(DiscoDropReason reason) => Interlocked.Increment(ref _dropped[(int)reason]);

    internal void PingSent() => Interlocked.Increment(ref _pingsSent);

    internal void PongSent() => Interlocked.Increment(ref _pongsSent);

    internal void CallMeMaybeSentOne() => Interlocked.Increment(ref _callMeMaybeSent);

    internal void PingReceived() => Interlocked.Increment(ref _pingsReceived);

    internal void PongReceived() => Interlocked.Increment(ref _pongsReceived);

    internal void CallMeMaybeReceivedOne() => Interlocked.Increment(ref _callMeMaybeReceived);

    internal void DirectSwitch() => Interlocked.Increment(ref _directSwitches);

    internal void RelayFallback() => Interlocked.Increment(ref _relayFallbacks);

    internal void RelaySent(int packets) => Interlocked.Add(ref _relayPacketsSent, packets);

    internal void RelayReceived() => Interlocked.Increment(ref _relayPacketsReceived);

    internal void RelayDrop(int packets = 1) => Interlocked.Add(ref _relayDrops, packets);

    internal void NoPathDrop(int packets) => Interlocked.Add(ref _noPathDrops, packets);

    internal void StunClaim() => Interlocked.Increment(ref _stunClaimed);
}
