using System.Net;
using System.Security.Cryptography;
using Nexodus.Mesh.Netsim.Scenarios;

namespace Nexodus.Mesh.Netsim;

/// <summary>A NAT router: interfaces <c>wan</c> and <c>lan</c>, nftables table <c>netsim</c> (see README).</summary>
public sealed class LabRouter : LabNode
{
    internal LabRouter(Lab lab, RouterSpec spec)
        : base(lab, spec.Name, [spec.WanAddress, spec.LanAddress], RouterRuleset.WanInterface)
    {
        Spec = spec;
    }

    public RouterSpec Spec { get; }

    public IPAddress WanAddress => Spec.WanAddress;

    public IPAddress LanAddress => Spec.LanAddress;

    public NatSpec Nat => Spec.Nat;

    /// <summary>Seed of the port hash; changing it moves every hashed mapping.</summary>
    internal uint Seed { get; private set; } = NewSeed();

    /// <summary>EIM port keys of the LAN nodes (see <see cref="RouterRuleset"/>); new ones on rebind.</summary>
    internal Dictionary<IPAddress, int> PortKeys { get; set; } = [];

    internal string Ruleset => RouterRuleset.Build(Spec, Seed, PortKeys);

    /// <summary>
    /// Forgets every mapping and makes new ones come out on different external ports: a new hash seed, flushed
    /// mapping/peer sets and flushed conntrack. Existing flows of LAN hosts get new public endpoints on their next
    /// packet, as after roaming or a router reboot.
    /// </summary>
    public async Task RebindAsync(CancellationToken cancellationToken = default)
    {
        Seed = NewSeed();
        PortKeys = NewPortKeys(PortKeys);
        await Lab.NftAsync(this, Ruleset, cancellationToken);
        var r = await ExecAsync(["conntrack", "-F"], null, cancellationToken);
        if (!r.Succeeded && !r.StandardError.Contains("0 flow entries", StringComparison.Ordinal))
        {
            throw new NetsimException($"conntrack -F in {Name} failed: {r.StandardError.Trim()}");
        }
    }

    /// <summary>The router's nftables table and conntrack table as text, for diagnostics in failing tests.</summary>
    public async Task<string> DescribeNatStateAsync(CancellationToken cancellationToken = default)
    {
        var nft = await ExecAsync(["nft", "list", "table", "ip", RouterRuleset.Table], null, cancellationToken);
        var ct = await ExecAsync(["conntrack", "-L"], null, cancellationToken);
        return $"{nft.StandardOutput}\n--- conntrack\n{ct.StandardOutput}";
    }

    /// <summary>Distinct keys 1..1023 for every address on the LAN, each different from its previous key.</summary>
    internal Dictionary<IPAddress, int> NewPortKeys(IReadOnlyDictionary<IPAddress, int> previous)
    {
        var sources = Lab.Scenario.Hosts.Where(h => h.Network == Spec.LanNetwork).SelectMany(h => h.Addresses)
            .Concat(Lab.Scenario.Routers.Where(r => r.WanNetwork == Spec.LanNetwork).Select(r => r.WanAddress));
        var keys = new Dictionary<IPAddress, int>();
        var used = new HashSet<int>();
        foreach (var source in sources)
        {
            int key;
            do
            {
                key = RandomNumberGenerator.GetInt32(1, 1024);
            }
            while (!used.Add(key) || (previous.TryGetValue(source, out var old) && old == key));
            keys[source] = key;
        }

        return keys;
    }

    private static uint NewSeed() => (uint)RandomNumberGenerator.GetInt32(1, int.MaxValue);
}
