namespace Nexodus.Mesh.Control.Netmap;

/// <summary>What changed from one generation of a VPC to a later one, computed once for every stream holding the older.</summary>
internal sealed class GenerationDiff
{
    private GenerationDiff(List<PeerEntry> changed, HashSet<Guid> changedIds, List<PeerEntry> removed, bool relayMapChanged, bool dnsChanged)
    {
        Changed = changed;
        ChangedIds = changedIds;
        Removed = removed;
        RelayMapChanged = relayMapChanged;
        DnsChanged = dnsChanged;
    }

    /// <summary>Devices added or changed, as entries of the newer generation.</summary>
    public List<PeerEntry> Changed { get; }

    public HashSet<Guid> ChangedIds { get; }

    /// <summary>Devices gone, as entries of the older generation.</summary>
    public List<PeerEntry> Removed { get; }

    public bool RelayMapChanged { get; }

    public bool DnsChanged { get; }

    public static GenerationDiff Compute(VpcGeneration before, VpcGeneration after)
    {
        var changed = new List<PeerEntry>();
        var changedIds = new HashSet<Guid>();
        var added = 0;
        foreach (var (id, entry) in after.Peers)
        {
            // Unchanged entries are carried over as the same object (PeerEntry.With).
            var existed = before.Peers.TryGetValue(id, out var old);
            if (!existed || !ReferenceEquals(old, entry))
            {
                changed.Add(entry);
                changedIds.Add(id);
                added += existed ? 0 : 1;
            }
        }

        var removed = new List<PeerEntry>();
        if (after.Peers.Count - added < before.Peers.Count)
        {
            foreach (var (id, entry) in before.Peers)
            {
                if (!after.Peers.ContainsKey(id))
                {
                    removed.Add(entry);
                }
            }
        }

        return new GenerationDiff(changed, changedIds, removed,
            !before.RelayMapJson.AsSpan().SequenceEqual(after.RelayMapJson), !before.DnsJson.AsSpan().SequenceEqual(after.DnsJson));
    }
}
