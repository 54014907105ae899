using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nexodus.Mesh.Core.Contracts;

namespace Nexodus.Mesh.Node.Filter;

/// <summary>
/// The node's stateful packet filter: the compiled rules from the netmap plus connection tracking. Inbound packets
/// (decrypted, about to reach the host) are matched against the inbound rules on their source, outbound packets
/// (from the host, about to be encrypted) against the outbound rules on their destination; a packet of a flow
/// that was admitted in the other direction passes as a reply. No rules set = allow everything (a bare
/// `nexd tunnel`, or the agent before its first netmap).
/// The rules are one reference swapped atomically: each packet reads it once, so it is judged wholly by the old or
/// wholly by the new rules. Flows admitted under old rules are re-checked on their next packet.
/// Untrusted input: never throws; every drop is counted by direction and reason and logged at Trace.
/// </summary>
internal sealed partial class Firewall
{
    private readonly ConnTrack _flows;
    private readonly FragmentTable _fragments;
    private readonly ILogger _logger;
    private FilterRuleSet? _rules;

    public Firewall(TimeProvider? time = null, ConnTrackOptions? options = null, ILogger? logger = null)
    {
        var t = time ?? TimeProvider.System;
        var o = options ?? new ConnTrackOptions();
        _logger = logger ?? NullLogger.Instance;
        _flows = new ConnTrack(o, t, Counters);
        _fragments = new FragmentTable(o, t);
    }

    public FilterCounters Counters { get; } = new();

    /// <summary>The rules in force; null = allow all.</summary>
    public FilterRuleSet? Rules => Volatile.Read(ref _rules);

    /// <summary>Tracked flows right now.</summary>
    public int FlowCount => _flows.Count;

    public int FlowCapacity => _flows.Capacity;

    /// <summary>Compiles and swaps in <paramref name="filter"/> (null: allow all); returns what could not be compiled.</summary>
    public IReadOnlyList<string> SetFilter(PacketFilter? filter)
    {
        if (filter is null)
        {
            Volatile.Write(ref _rules, null);
            _flows.Clear();
            return [];
        }

        var warnings = new List<string>();
        var rules = FilterRuleSet.Compile(filter, warnings);
        Volatile.Write(ref _rules, rules);
        Log.FilterApplied(_logger, rules.Generation, rules.InboundEntries, rules.OutboundEntries);
        return warnings;
    }

    public bool AllowInbound(ReadOnlySpan<byte> packet) => Check(FilterDirection.Inbound, packet);

    public bool AllowOutbound(ReadOnlySpan<byte> packet) => Check(FilterDirection.Outbound, packet);

    /// <summary>True when <paramref name="packet"/> (one whole IP packet) may pass in <paramref name="direction"/>.</summary>
    public bool Check(FilterDirection direction, ReadOnlySpan<byte> packet)
    {
        var rules = Volatile.Read(ref _rules);
        if (rules is null)
        {
            return true;
        }

        var parsed = PacketHeaderParser.Parse(packet, quoted: false, out var h);
        if (parsed != FilterDropReason.None)
        {
            return Drop(direction, parsed, packet);
        }

        if (h.Fragment == FragmentKind.NonFirst)
        {
            return _fragments.Allows(direction, h, rules.Generation) || Drop(direction, FilterDropReason.Fragment, packet);
        }

        if (h.IsIcmpError)
        {
            // Errors never create state: they pass when they are about a tracked flow, or when a rule admits them.
            return IsRelated(direction, packet, h, rules) || rules.Admits(direction, h) || Drop(direction, FilterDropReason.NotAllowed, packet);
        }

        var tracked = !h.IsIcmp || h.IsIcmpEcho;
        var key = tracked ? FlowKey.For(direction, h) : default;
        if (tracked && _flows.Track(key, direction, h.TcpFlags, rules) == FlowLookup.Hit)
        {
            AdmitFragment(direction, h, rules);
            return true;
        }

        if (!rules.Admits(direction, h))
        {
            return Drop(direction, FilterDropReason.NotAllowed, packet);
        }

        // A reset starts nothing worth tracking.
        var starts = tracked && !(h.Protocol == IpProtocolNumber.Tcp && (h.TcpFlags & PacketHeaders.TcpRst) != 0);
        if (starts && !_flows.TryAdd(key, direction, h.TcpFlags, rules.Generation))
        {
            return Drop(direction, FilterDropReason.TableFull, packet);
        }

        AdmitFragment(direction, h, rules);
        return true;
    }

    private void AdmitFragment(FilterDirection direction, in PacketHeaders h, FilterRuleSet rules)
    {
        if (h.Fragment == FragmentKind.First)
        {
            _fragments.Admit(direction, h, rules.Generation);
        }
    }

    /// <summary>
    /// An ICMP error quotes the packet that caused it, which travelled the other way: an error coming in is about a
    /// packet this host sent (its source is our side). It is related when that quoted packet's flow is tracked.
    /// </summary>
    private bool IsRelated(FilterDirection direction, ReadOnlySpan<byte> packet, in PacketHeaders h, FilterRuleSet rules)
    {
        // ICMP error layout: type, code, checksum, 4 bytes (unused / MTU / pointer), then the quoted packet.
        var quotedStart = h.TransportOffset + 8;
        if (quotedStart >= h.End)
        {
            return false;
        }

        if (PacketHeaderParser.Parse(packet[quotedStart..h.End], quoted: true, out var q) != FilterDropReason.None
            || q.IsV6 != h.IsV6 || q.Fragment == FragmentKind.NonFirst || q.IsIcmpError)
        {
            return false;
        }

        var quotedDirection = direction == FilterDirection.Inbound ? FilterDirection.Outbound : FilterDirection.Inbound;
        // Our side of the quoted packet must be our side of the error, or an error could vouch for someone else's flow.
        var ours = direction == FilterDirection.Inbound ? q.Source == h.Destination : q.Destination == h.Source;
        return ours && _flows.IsTracked(FlowKey.For(quotedDirection, q), rules);
    }

    private bool Drop(FilterDirection direction, FilterDropReason reason, ReadOnlySpan<byte> packet)
    {
        Counters.For(direction).Increment(reason);
        if (_logger.IsEnabled(LogLevel.Trace))
        {
            Log.Dropped(_logger, direction, reason, packet.Length, Convert.ToHexString(packet[..Math.Min(packet.Length, 48)]));
        }

        return false;
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Trace, Message = "filter dropped {Direction} packet ({Reason}, {Length} bytes): {Head}")]
        public static partial void Dropped(ILogger logger, FilterDirection direction, FilterDropReason reason, int length, string head);

        [LoggerMessage(Level = LogLevel.Debug, Message = "packet filter generation {Generation} in force: {Inbound} inbound, {Outbound} outbound entries")]
        public static partial void FilterApplied(ILogger logger, long generation, int inbound, int outbound);
    }
}
