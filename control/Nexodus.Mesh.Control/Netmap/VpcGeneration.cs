using System.Collections.Immutable;
using System.Text.Json;
using Nexodus.Mesh.Control.Api;
using Nexodus.Mesh.Control.Policy;
using Nexodus.Mesh.Control.Storage;
using Nexodus.Mesh.Core.Contracts;

namespace Nexodus.Mesh.Control.Netmap;

/// <summary>
/// An immutable snapshot of one VPC at a database revision, shared by every stream of the VPC: devices with their
/// serialized peer entries, the relay map and DNS serialized once, and each security group compiled to a packet filter
/// once. A device's view is "every entry but its own, plus its group's filter", so streams hold a reference to the
/// generation they last received instead of a copy of their map, and a delta is computed once per generation pair.
/// Unchanged parts are carried over from the previous generation as the same objects.
/// </summary>
internal sealed class VpcGeneration
{
    private static long _sequence;

    private VpcGeneration(long revision, Vpc vpc, IReadOnlyList<SecurityGroup> groups, RelayMap relayMap, byte[] relayMapJson, DnsConfig dns, byte[] dnsJson,
        ImmutableDictionary<Guid, PeerEntry> peers, Dictionary<Guid, FilterEntry> filters, Guid? defaultGroupId)
    {
        Revision = revision;
        Vpc = vpc;
        Groups = groups;
        RelayMap = relayMap;
        RelayMapJson = relayMapJson;
        Dns = dns;
        DnsJson = dnsJson;
        Peers = peers;
        Filters = filters;
        DefaultGroupId = defaultGroupId;
        Sequence = Interlocked.Increment(ref _sequence);
    }

    /// <summary>
    /// Creation order. Generations of a VPC are only created under its refresh lock, so a higher number is a later
    /// read; revisions cannot tell (two reads may see the same revision).
    /// </summary>
    public long Sequence { get; }

    public long Revision { get; }

    public Vpc Vpc { get; }

    public IReadOnlyList<SecurityGroup> Groups { get; }

    public RelayMap RelayMap { get; }

    public byte[] RelayMapJson { get; }

    public DnsConfig Dns { get; }

    public byte[] DnsJson { get; }

    /// <summary>
    /// Device id → entry. Immutable and structurally shared with the generations before and after it: a VPC keeps
    /// ResumeHistory generations for resuming streams, and copies would cost that many entries per device.
    /// </summary>
    public ImmutableDictionary<Guid, PeerEntry> Peers { get; }

    /// <summary>Security group id → its compiled filter (also for groups without members).</summary>
    public Dictionary<Guid, FilterEntry> Filters { get; }

    public Guid? DefaultGroupId { get; }

    /// <summary>The filter a device enforces: its group's, or the VPC's default group's when it names none (or a deleted one).</summary>
    public FilterEntry FilterFor(Device d) =>
        d.SecurityGroupId is { } g && Filters.TryGetValue(g, out var own) ? own
        : DefaultGroupId is { } dg && Filters.TryGetValue(dg, out var def) ? def
        : FilterEntry.Empty;

    public static VpcGeneration Create(long revision, Vpc vpc, IReadOnlyList<SecurityGroup> groups, RelayMap relayMap, ImmutableDictionary<Guid, PeerEntry> peers, VpcGeneration? previous)
    {
        var relayJson = JsonSerializer.SerializeToUtf8Bytes(relayMap, ContractsJsonContext.Default.RelayMap);
        if (previous is not null && relayJson.AsSpan().SequenceEqual(previous.RelayMapJson))
        {
            (relayMap, relayJson) = (previous.RelayMap, previous.RelayMapJson);
        }

        var dns = new DnsConfig { Domain = vpc.DnsDomain, SearchDomains = [vpc.DnsDomain] };
        var dnsJson = JsonSerializer.SerializeToUtf8Bytes(dns, ContractsJsonContext.Default.DnsConfig);
        if (previous is not null && dnsJson.AsSpan().SequenceEqual(previous.DnsJson))
        {
            (dns, dnsJson) = (previous.Dns, previous.DnsJson);
        }

        var defaultGroup = groups.FirstOrDefault(g => g.Name == SecurityGroupsApi.DefaultName);
        var filters = new Dictionary<Guid, FilterEntry>(groups.Count);
        foreach (var group in groups)
        {
            var compiled = new FilterEntry(Compile(group, defaultGroup?.Id, peers));
            filters[group.Id] = previous is not null && previous.Filters.TryGetValue(group.Id, out var old) && old.Json.AsSpan().SequenceEqual(compiled.Json) ? old : compiled;
        }

        return new VpcGeneration(revision, vpc, groups, relayMap, relayJson, dns, dnsJson, peers, filters, defaultGroup?.Id);
    }

    /// <summary>A group's rules with group references expanded to the members' tunnel addresses.</summary>
    private static PacketFilter Compile(SecurityGroup group, Guid? defaultGroupId, ImmutableDictionary<Guid, PeerEntry> peers)
    {
        IEnumerable<string> Members(Guid groupId) =>
            peers.Values.Select(p => p.Row)
                .Where(d => d.SecurityGroupId == groupId || (d.SecurityGroupId is null && groupId == defaultGroupId))
                .SelectMany(d => new[] { d.Ipv4 + "/32", d.Ipv6 + "/128" });

        List<FilterRule> Rules(List<SecurityRule> rules) =>
            [.. rules.Select(r => new FilterRule
            {
                Protocol = r.Protocol,
                FromPort = r.FromPort,
                ToPort = r.ToPort,
                Prefixes = [.. r.Cidrs.Concat(r.SecurityGroupIds.SelectMany(Members)).Distinct().Order(StringComparer.Ordinal)],
            })];

        return new PacketFilter { Inbound = Rules(group.InboundRules), Outbound = Rules(group.OutboundRules) };
    }
}
