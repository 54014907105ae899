using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Nexodus.Mesh.Node.Filter;

/// <summary>
/// Connection-tracking table: the flows the filter admitted, so their replies pass the other way. Bounded
/// (<see cref="ConnTrackOptions.MaxFlows"/>); entries die after an idle timeout that depends on protocol and state;
/// expired entries are swept on the packet path (per shard, every <see cref="ConnTrackOptions.SweepInterval"/>,
/// and at most once a second across the table when it is full). A full table refuses new flows rather than
/// evicting live ones: evicting would let a flood of new flows cut established connections.
/// Thread-safe: the receive threads and the TUN reader share it; 16 shards, each behind its own lock.
/// </summary>
internal sealed class ConnTrack
{
    private const int ShardCount = 16;

    private readonly Shard[] _shards = new Shard[ShardCount];
    private readonly TimeProvider _time;
    private readonly FilterCounters _counters;
    private readonly int _maxFlows;
    private readonly long _tcpEstablished;
    private readonly long _tcpTransitory;
    private readonly long _udp;
    private readonly long _unreplied;
    private readonly long _icmp;
    private readonly long _sweepInterval;
    private readonly long _fullSweepInterval;
    private int _count;
    private long _nextFullSweep;

    public ConnTrack(ConnTrackOptions options, TimeProvider time, FilterCounters counters)
    {
        _time = time;
        _counters = counters;
        _maxFlows = Math.Max(1, options.MaxFlows);
        _tcpEstablished = Ticks(options.TcpEstablished);
        _tcpTransitory = Ticks(options.TcpTransitory);
        _udp = Ticks(options.Udp);
        _unreplied = Ticks(options.Unreplied);
        _icmp = Ticks(options.Icmp);
        _sweepInterval = Ticks(options.SweepInterval);
        _fullSweepInterval = Ticks(TimeSpan.FromSeconds(1));
        var now = time.GetTimestamp();
        for (var i = 0; i < ShardCount; i++)
        {
            _shards[i] = new Shard { NextSweep = now + _sweepInterval };
        }
    }

    /// <summary>Live and not-yet-swept entries.</summary>
    public int Count => Volatile.Read(ref _count);

    public int Capacity => _maxFlows;

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);

    /// <summary>
    /// Looks the flow up for a packet travelling in <paramref name="direction"/>; on a hit refreshes its timeout.
    /// A flow last checked against an older rule set is re-checked (in its original direction) against
    /// <paramref name="rules"/> first, so a filter change revokes flows on their next packet.
    /// </summary>
    public FlowLookup Track(in FlowKey key, FilterDirection direction, byte tcpFlags, FilterRuleSet rules)
    {
        var shard = ShardOf(key);
        var now = _time.GetTimestamp();
        lock (shard.Sync)
        {
            ref var entry = ref CollectionsMarshal.GetValueRefOrNullRef(shard.Flows, key);
            if (Unsafe.IsNullRef(ref entry))
            {
                return FlowLookup.Miss;
            }

            if (entry.ExpiresAt <= now)
            {
                RemoveLocked(shard, key);
                _counters.AddExpired(1);
                return FlowLookup.Miss;
            }

            if (entry.Generation != rules.Generation)
            {
                if (!rules.Admits(entry.Initiator, key.IsV6, key.Remote, key.Protocol, key.ServicePort(entry.Initiator)))
                {
                    RemoveLocked(shard, key);
                    _counters.AddRevoked();
                    return FlowLookup.Revoked;
                }

                entry.Generation = rules.Generation;
            }

            Update(ref entry, key.Protocol, direction, tcpFlags, now);
            return FlowLookup.Hit;
        }
    }

    /// <summary>Whether the flow is live and still admitted, without touching it (ICMP errors about a flow).</summary>
    public bool IsTracked(in FlowKey key, FilterRuleSet rules)
    {
        var shard = ShardOf(key);
        var now = _time.GetTimestamp();
        lock (shard.Sync)
        {
            ref var entry = ref CollectionsMarshal.GetValueRefOrNullRef(shard.Flows, key);
            return !Unsafe.IsNullRef(ref entry) && entry.ExpiresAt > now
                && (entry.Generation == rules.Generation || rules.Admits(entry.Initiator, key.IsV6, key.Remote, key.Protocol, key.ServicePort(entry.Initiator)));
        }
    }

    /// <summary>Starts tracking a flow the rules admitted; false when the table is full.</summary>
    public bool TryAdd(in FlowKey key, FilterDirection direction, byte tcpFlags, long generation)
    {
        var now = _time.GetTimestamp();
        if (Volatile.Read(ref _count) >= _maxFlows)
        {
            var due = Interlocked.Read(ref _nextFullSweep);
            if (now >= due && Interlocked.CompareExchange(ref _nextFullSweep, now + _fullSweepInterval, due) == due)
            {
                foreach (var s in _shards)
                {
                    lock (s.Sync)
                    {
                        SweepLocked(s, now);
                    }
                }
            }
        }

        var shard = ShardOf(key);
        lock (shard.Sync)
        {
            if (now >= shard.NextSweep)
            {
                SweepLocked(shard, now);
            }

            var exists = shard.Flows.ContainsKey(key);
            if (!exists && !TryReserve())
            {
                return false;
            }

            ref var entry = ref CollectionsMarshal.GetValueRefOrAddDefault(shard.Flows, key, out _);
            if (!exists)
            {
                entry = new FlowEntry { Initiator = direction, Generation = generation };
            }
            else if (entry.ExpiresAt <= now)
            {
                // A dead entry for the same key (not swept yet): start the flow afresh in this direction.
                _counters.AddExpired(1);
                entry = new FlowEntry { Initiator = direction, Generation = generation };
            }

            Update(ref entry, key.Protocol, direction, tcpFlags, now);
            return true;
        }
    }

    /// <summary>Removes every entry (tests, and a filter set back to allow-all).</summary>
    public void Clear()
    {
        foreach (var s in _shards)
        {
            lock (s.Sync)
            {
                Interlocked.Add(ref _count, -s.Flows.Count);
                s.Flows.Clear();
            }
        }
    }

    /// <summary>Counts a new entry in unless the table is full (never over the bound, not even for a moment).</summary>
    private bool TryReserve()
    {
        var count = Volatile.Read(ref _count);
        while (count < _maxFlows)
        {
            var seen = Interlocked.CompareExchange(ref _count, count + 1, count);
            if (seen == count)
            {
                return true;
            }

            count = seen;
        }

        return false;
    }

    private void Update(ref FlowEntry entry, byte protocol, FilterDirection direction, byte tcpFlags, long now)
    {
        if (direction != entry.Initiator)
        {
            entry.State |= FlowState.Replied;
        }

        long timeout;
        switch (protocol)
        {
            case IpProtocolNumber.Tcp:
                const FlowState closed = FlowState.Reset | FlowState.FinFromInitiator | FlowState.FinFromResponder;
                if ((tcpFlags & (PacketHeaders.TcpSyn | PacketHeaders.TcpAck)) == PacketHeaders.TcpSyn && direction == entry.Initiator && (entry.State & closed) != 0)
                {
                    // A new connection reusing the ports of a closed one.
                    entry.State = FlowState.None;
                }

                if ((tcpFlags & PacketHeaders.TcpRst) != 0)
                {
                    entry.State |= FlowState.Reset;
                }

                if ((tcpFlags & PacketHeaders.TcpFin) != 0)
                {
                    entry.State |= direction == entry.Initiator ? FlowState.FinFromInitiator : FlowState.FinFromResponder;
                }

                var isClosed = (entry.State & FlowState.Reset) != 0
                    || (entry.State & (FlowState.FinFromInitiator | FlowState.FinFromResponder)) == (FlowState.FinFromInitiator | FlowState.FinFromResponder);
                timeout = isClosed || (entry.State & FlowState.Replied) == 0 ? _tcpTransitory : _tcpEstablished;
                break;
            case IpProtocolNumber.Icmp or IpProtocolNumber.Icmpv6:
                timeout = _icmp;
                break;
            default:
                timeout = (entry.State & FlowState.Replied) != 0 ? _udp : _unreplied;
                break;
        }

        entry.ExpiresAt = now + timeout;
    }

    private void SweepLocked(Shard shard, long now)
    {
        shard.NextSweep = now + _sweepInterval;
        var removed = 0;
        foreach (var (key, entry) in shard.Flows)
        {
            // Removing while enumerating is allowed for Dictionary since .NET Core 3.0.
            if (entry.ExpiresAt <= now && shard.Flows.Remove(key))
            {
                removed++;
            }
        }

        if (removed > 0)
        {
            Interlocked.Add(ref _count, -removed);
            _counters.AddExpired(removed);
        }
    }

    private void RemoveLocked(Shard shard, in FlowKey key)
    {
        if (shard.Flows.Remove(key))
        {
            Interlocked.Decrement(ref _count);
        }
    }

    private Shard ShardOf(in FlowKey key) => _shards[(uint)key.GetHashCode() % ShardCount];

    private sealed class Shard
    {
        public readonly Lock Sync = new();
        public readonly Dictionary<FlowKey, FlowEntry> Flows = [];
        public long NextSweep;
    }
}
