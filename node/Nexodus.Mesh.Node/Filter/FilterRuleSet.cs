using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Nexodus.Mesh.Core.Contracts;

namespace Nexodus.Mesh.Node.Filter;

/// <summary>
/// A <see cref="PacketFilter"/> compiled for lookups: one prefix trie per direction and family. Immutable; a new
/// filter is a new instance with a new <see cref="Generation"/>, which is how tracked flows notice a swap.
/// Inbound rules are matched on the packet's source, outbound rules on its destination; ports are always the
/// destination port (the service being reached).
/// </summary>
internal sealed class FilterRuleSet
{
    private static long _generations;

    private readonly PrefixTrie _inbound4;
    private readonly PrefixTrie _inbound6;
    private readonly PrefixTrie _outbound4;
    private readonly PrefixTrie _outbound6;

    private FilterRuleSet(PrefixTrie inbound4, PrefixTrie inbound6, PrefixTrie outbound4, PrefixTrie outbound6)
    {
        _inbound4 = inbound4;
        _inbound6 = inbound6;
        _outbound4 = outbound4;
        _outbound6 = outbound6;
        Generation = Interlocked.Increment(ref _generations);
    }

    /// <summary>Unique per compiled instance in this process.</summary>
    public long Generation { get; }

    public int InboundEntries => _inbound4.RuleCount + _inbound6.RuleCount;

    public int OutboundEntries => _outbound4.RuleCount + _outbound6.RuleCount;

    /// <summary>
    /// Compiles <paramref name="filter"/>. A rule this node cannot enforce exactly (unknown protocol, bad port range,
    /// unparsable prefix) is left out — the filter is an allow-list, so leaving out fails closed — and described
    /// in <paramref name="warnings"/>.
    /// </summary>
    public static FilterRuleSet Compile(PacketFilter filter, List<string>? warnings = null)
    {
        var in4 = new PrefixTrie.Builder(32);
        var in6 = new PrefixTrie.Builder(128);
        var out4 = new PrefixTrie.Builder(32);
        var out6 = new PrefixTrie.Builder(128);
        AddRules(filter.Inbound, "inbound", in4, in6, warnings);
        AddRules(filter.Outbound, "outbound", out4, out6, warnings);
        return new FilterRuleSet(in4.Build(), in6.Build(), out4.Build(), out6.Build());
    }

    /// <summary>Whether a rule admits a packet of <paramref name="protocol"/> to <paramref name="destinationPort"/> from/to <paramref name="remote"/>.</summary>
    public bool Admits(FilterDirection direction, bool isV6, UInt128 remote, byte protocol, ushort destinationPort)
    {
        var trie = direction == FilterDirection.Inbound ? (isV6 ? _inbound6 : _inbound4) : (isV6 ? _outbound6 : _outbound4);
        return trie.Matches(remote, protocol, destinationPort);
    }

    /// <summary>The packet-level form: the remote side is the source of an inbound packet and the destination of an outbound one.</summary>
    public bool Admits(FilterDirection direction, in PacketHeaders h) =>
        Admits(direction, h.IsV6, direction == FilterDirection.Inbound ? h.Source : h.Destination, h.Protocol, h.DestinationPort);

    private static void AddRules(IReadOnlyList<FilterRule>? rules, string field, PrefixTrie.Builder v4, PrefixTrie.Builder v6, List<string>? warnings)
    {
        if (rules is null)
        {
            return;
        }

        for (var i = 0; i < rules.Count; i++)
        {
            var rule = rules[i];
            var where = $"{field}[{i}]";
            if (rule is null)
            {
                warnings?.Add($"{where}: empty rule ignored");
                continue;
            }

            // "icmp" means ping and friends in either family: ICMP for IPv4 prefixes, ICMPv6 for IPv6 prefixes
            // (group references expand to both a /32 and a /128, and "allow icmp from group X" should ping both).
            byte protocol4, protocol6;
            switch (rule.Protocol?.ToLowerInvariant())
            {
                case "any" or "" or null:
                    protocol4 = protocol6 = 0;
                    break;
                case "tcp":
                    protocol4 = protocol6 = IpProtocolNumber.Tcp;
                    break;
                case "udp":
                    protocol4 = protocol6 = IpProtocolNumber.Udp;
                    break;
                case "icmp":
                    protocol4 = IpProtocolNumber.Icmp;
                    protocol6 = IpProtocolNumber.Icmpv6;
                    break;
                case "icmpv6":
                    protocol4 = protocol6 = IpProtocolNumber.Icmpv6;
                    break;
                default:
                    warnings?.Add($"{where}: unknown protocol '{rule.Protocol}'; rule ignored");
                    continue;
            }

            if (rule.FromPort is < 0 or > 65535 || rule.ToPort is < 0 or > 65535 || rule.FromPort > rule.ToPort)
            {
                warnings?.Add($"{where}: bad port range {rule.FromPort}-{rule.ToPort}; rule ignored");
                continue;
            }

            // 0-0 means all ports (control's convention); so does a range of 0-65535.
            var all = rule.FromPort == 0 && rule.ToPort == 0;
            var from = all ? (ushort)0 : (ushort)rule.FromPort;
            var to = all ? ushort.MaxValue : (ushort)rule.ToPort;
            foreach (var text in rule.Prefixes ?? [])
            {
                if (!TryParsePrefix(text, out var isV6, out var prefix, out var length))
                {
                    warnings?.Add($"{where}: bad prefix '{text}'; ignored");
                    continue;
                }

                if (isV6)
                {
                    v6.Add(prefix, length, new PortRule(protocol6, from, to));
                }
                else
                {
                    v4.Add(prefix, length, new PortRule(protocol4, from, to));
                }
            }
        }
    }

    /// <summary>Parses "a.b.c.d/n" or "x::y/n" (a bare address is a host prefix); host bits are cleared.</summary>
    internal static bool TryParsePrefix(string? text, out bool isV6, out UInt128 prefix, out int length)
    {
        isV6 = false;
        prefix = UInt128.Zero;
        length = 0;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var addressText = slash < 0 ? text : text[..slash];
        if (!IPAddress.TryParse(addressText, out var address) || addressText.Contains('%', StringComparison.Ordinal))
        {
            return false;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return false;
        }

        isV6 = address.AddressFamily == AddressFamily.InterNetworkV6;
        var bits = isV6 ? 128 : 32;
        length = bits;
        if (slash >= 0 && (!int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out length) || length > bits))
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        var value = isV6 ? BinaryPrimitives.ReadUInt128BigEndian(bytes) : PacketHeaders.V4(BinaryPrimitives.ReadUInt32BigEndian(bytes));
        prefix = length == 0 ? UInt128.Zero : value & (UInt128.MaxValue << (128 - length));
        return true;
    }
}
