using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Nexodus.Mesh.Netsim.Scenarios;

/// <summary>
/// Turns a <see cref="ScenarioDocument"/> into a <see cref="Scenario"/>: checks every field, assigns addresses that
/// were left out, and reports the first problem as a <see cref="ScenarioException"/> naming the field.
/// </summary>
internal static partial class ScenarioValidator
{
    /// <summary>Names become part of namespace and interface names (IFNAMSIZ is 16), hence short and plain.</summary>
    public const int MaxNameLength = 11;

    // Only ranges that can never be a real destination: documentation nets for the simulated internet,
    // RFC 1918 for LANs, RFC 6598 shared space for carrier networks.
    private static readonly IPNetwork[] AllowedRanges =
    [
        IPNetwork.Parse("192.0.2.0/24"), IPNetwork.Parse("198.51.100.0/24"), IPNetwork.Parse("203.0.113.0/24"),
        IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("172.16.0.0/12"), IPNetwork.Parse("192.168.0.0/16"),
        IPNetwork.Parse("100.64.0.0/10"),
    ];

    [GeneratedRegex("^[a-z][a-z0-9]{0,10}$")]
    private static partial Regex NamePattern();

    public static Scenario Validate(ScenarioDocument doc)
    {
        var name = doc.Name?.Trim();
        if (string.IsNullOrEmpty(name))
        {
            throw new ScenarioException("name", "is required (a short name for the scenario)");
        }

        var allNames = new HashSet<string>(StringComparer.Ordinal);
        var networks = ValidateNetworks(doc.Networks, allNames);
        var addressBook = new AddressBook(networks);

        var routerDocs = doc.Routers ?? [];
        var hostDocs = doc.Hosts ?? [];

        // Pass 1: names, references and explicit addresses, so auto-assignment never takes a taken address.
        var routerParts = new List<(string Name, RouterDocument Doc, string Wan, string Lan, IPAddress? WanAddr, IPAddress? LanAddr)>();
        var lanOwners = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (rname, rdoc) in routerDocs)
        {
            var f = $"routers.{rname}";
            CheckName(rname, f, allNames);
            if (rdoc is null)
            {
                throw new ScenarioException(f, "is empty; a router needs at least 'wan' and 'lan'");
            }

            var wan = RequireNetwork(rdoc.Wan, $"{f}.wan", networks);
            var lan = RequireNetwork(rdoc.Lan, $"{f}.lan", networks);
            if (wan == lan)
            {
                throw new ScenarioException($"{f}.lan", $"must differ from wan ('{wan}')");
            }

            if (lanOwners.TryGetValue(lan, out var other))
            {
                throw new ScenarioException($"{f}.lan", $"network '{lan}' is already the LAN of router '{other}'");
            }

            lanOwners[lan] = rname;
            var wanAddr = addressBook.ReserveExplicit(rdoc.WanAddress, wan, $"{f}.wanAddress");
            var lanAddr = addressBook.ReserveExplicit(rdoc.LanAddress, lan, $"{f}.lanAddress");
            routerParts.Add((rname, rdoc, wan, lan, wanAddr, lanAddr));
        }

        var hostParts = new List<(string Name, string Network, List<IPAddress> Addresses)>();
        foreach (var (hname, hdoc) in hostDocs)
        {
            var f = $"hosts.{hname}";
            CheckName(hname, f, allNames);
            if (hdoc is null)
            {
                throw new ScenarioException(f, "is empty; a host needs at least 'network'");
            }

            var net = RequireNetwork(hdoc.Network, $"{f}.network", networks);
            if (hdoc.Address is not null && hdoc.Addresses is not null)
            {
                throw new ScenarioException($"{f}.addresses", "give either 'address' or 'addresses', not both");
            }

            var addrs = new List<IPAddress>();
            if (hdoc.Address is not null)
            {
                addrs.Add(addressBook.ReserveExplicit(hdoc.Address, net, $"{f}.address")!);
            }

            for (var i = 0; i < (hdoc.Addresses?.Count ?? 0); i++)
            {
                var a = addressBook.ReserveExplicit(hdoc.Addresses![i], net, $"{f}.addresses[{i}]")
                    ?? throw new ScenarioException($"{f}.addresses[{i}]", "is empty");
                addrs.Add(a);
            }

            hostParts.Add((hname, net, addrs));
        }

        // Pass 2: automatic addresses. Gateways first so they get the conventional .1.
        var routers = new List<RouterSpec>();
        foreach (var r in routerParts)
        {
            var lanAddr = r.LanAddr ?? addressBook.Next(r.Lan, $"routers.{r.Name}.lanAddress");
            var wanAddr = r.WanAddr ?? addressBook.Next(r.Wan, $"routers.{r.Name}.wanAddress");
            var nat = ValidateNat(r.Doc.Nat, $"routers.{r.Name}.nat");
            var firewall = ParseFirewall(r.Doc.Firewall, $"routers.{r.Name}.firewall");
            routers.Add(new RouterSpec(r.Name, r.Wan, wanAddr, r.Lan, lanAddr, nat, firewall));
        }

        var hosts = new List<HostSpec>();
        foreach (var h in hostParts)
        {
            if (h.Addresses.Count == 0)
            {
                h.Addresses.Add(addressBook.Next(h.Network, $"hosts.{h.Name}.address"));
            }

            hosts.Add(new HostSpec(h.Name, h.Network, h.Addresses));
        }

        var scenario = new Scenario(name, doc.Description, null, networks, routers, hosts);
        CheckRouterChains(scenario);
        var expect = doc.Expect is null ? null : ValidateExpect(doc.Expect, scenario);
        return scenario with { Expect = expect };
    }

    private static List<NetworkSpec> ValidateNetworks(Dictionary<string, string?>? docs, HashSet<string> allNames)
    {
        if (docs is null || docs.Count == 0)
        {
            throw new ScenarioException("networks", "is required: map each network name to its IPv4 subnet, e.g. 'internet: 203.0.113.0/24'");
        }

        var result = new List<NetworkSpec>();
        foreach (var (nname, subnetText) in docs)
        {
            var f = $"networks.{nname}";
            CheckName(nname, f, allNames);
            if (string.IsNullOrWhiteSpace(subnetText) || !IPNetwork.TryParse(subnetText.Trim(), out var subnet))
            {
                throw new ScenarioException(f, $"'{subnetText}' is not a subnet in CIDR form (e.g. 192.168.1.0/24)");
            }

            if (subnet.BaseAddress.AddressFamily != AddressFamily.InterNetwork || subnet.PrefixLength > 29)
            {
                throw new ScenarioException(f, $"'{subnetText}' must be an IPv4 subnet of /29 or larger");
            }

            if (!AllowedRanges.Any(r => r.Contains(subnet.BaseAddress) && r.PrefixLength <= subnet.PrefixLength))
            {
                throw new ScenarioException(f, $"'{subnetText}' is outside the allowed ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24 for the internet; RFC 1918 for LANs; 100.64.0.0/10 for carrier networks)");
            }

            foreach (var other in result)
            {
                if (other.Subnet.Contains(subnet.BaseAddress) || subnet.Contains(other.Subnet.BaseAddress))
                {
                    throw new ScenarioException(f, $"'{subnetText}' overlaps network '{other.Name}' ({other.Subnet})");
                }
            }

            result.Add(new NetworkSpec(nname, subnet));
        }

        return result;
    }

    private static NatSpec ValidateNat(NatDocument? doc, string f)
    {
        if (doc is null)
        {
            return NatSpec.PortRestrictedCone;
        }

        var mapping = doc.Mapping is null
            ? MappingBehavior.EndpointIndependent
            : ParseMapping(doc.Mapping, $"{f}.mapping", allowNone: false);
        var filtering = doc.Filtering is null
            ? FilteringBehavior.AddressAndPortDependent
            : ParseFiltering(doc.Filtering, $"{f}.filtering", allowNone: false);
        var hairpin = doc.Hairpin is not null && ParseBool(doc.Hairpin, $"{f}.hairpin");
        var timeout = doc.MappingTimeout is null ? NatSpec.DefaultMappingTimeout : ParseDuration(doc.MappingTimeout, $"{f}.mappingTimeout");
        return new NatSpec(mapping, filtering, hairpin, timeout);
    }

    private static ScenarioExpectation ValidateExpect(ExpectDocument doc, Scenario scenario)
    {
        var host = doc.Host ?? throw new ScenarioException("expect.host", "is required: the host under test");
        var server = doc.Server ?? throw new ScenarioException("expect.server", "is required: the public server (two addresses) to test against");
        if (!scenario.Hosts.Any(h => h.Name == host))
        {
            throw new ScenarioException("expect.host", $"'{host}' is not a host of this scenario");
        }

        var serverSpec = scenario.Hosts.FirstOrDefault(h => h.Name == server)
            ?? throw new ScenarioException("expect.server", $"'{server}' is not a host of this scenario");
        if (!scenario.IsPublic(serverSpec.Network) || serverSpec.Addresses.Count < 2)
        {
            throw new ScenarioException("expect.server", $"'{server}' must be on a public network and have two addresses (RFC 5780 tests need both)");
        }

        var layers = scenario.NatChain(scenario.Host(host).Network).Count;
        var natLayers = layers;
        if (doc.NatLayers is not null &&
            (!int.TryParse(doc.NatLayers, NumberStyles.None, CultureInfo.InvariantCulture, out natLayers) || natLayers > 8))
        {
            throw new ScenarioException("expect.natLayers", $"'{doc.NatLayers}' is not a small non-negative integer");
        }

        var udpBlocked = doc.Udp?.Trim().ToLowerInvariant() switch
        {
            null or "open" => false,
            "blocked" => true,
            _ => throw new ScenarioException("expect.udp", $"'{doc.Udp}' is not one of: open, blocked"),
        };
        return new ScenarioExpectation(
            host,
            server,
            doc.Mapping is null ? MappingBehavior.None : ParseMapping(doc.Mapping, "expect.mapping", allowNone: true),
            doc.Filtering is null ? FilteringBehavior.None : ParseFiltering(doc.Filtering, "expect.filtering", allowNone: true),
            doc.Hairpin is not null && ParseBool(doc.Hairpin, "expect.hairpin"),
            udpBlocked,
            natLayers);
    }

    private static void CheckRouterChains(Scenario scenario)
    {
        foreach (var r in scenario.Routers)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal) { r.Name };
            for (var gw = scenario.GatewayOf(r.WanNetwork); gw is not null; gw = scenario.GatewayOf(gw.WanNetwork))
            {
                if (!seen.Add(gw.Name))
                {
                    throw new ScenarioException($"routers.{r.Name}.wan", "routers form a loop; following WAN links must end at a public network");
                }
            }
        }
    }

    private static void CheckName(string name, string field, HashSet<string> allNames)
    {
        if (!NamePattern().IsMatch(name))
        {
            throw new ScenarioException(field, $"name '{name}' must be 1-{MaxNameLength} characters: a lowercase letter then lowercase letters or digits");
        }

        if (!allNames.Add(name))
        {
            throw new ScenarioException(field, $"name '{name}' is already used; networks, routers and hosts share one name space");
        }
    }

    private static string RequireNetwork(string? value, string field, List<NetworkSpec> networks)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new ScenarioException(field, "is required (name of a network declared under 'networks')");
        }

        var v = value.Trim();
        if (!networks.Any(n => n.Name == v))
        {
            throw new ScenarioException(field, $"'{v}' is not a declared network (declared: {string.Join(", ", networks.Select(n => n.Name))})");
        }

        return v;
    }

    internal static MappingBehavior ParseMapping(string text, string field, bool allowNone) =>
        text.Trim().ToLowerInvariant() switch
        {
            "eim" or "endpoint-independent" => MappingBehavior.EndpointIndependent,
            "adm" or "address-dependent" => MappingBehavior.AddressDependent,
            "apdm" or "address-and-port-dependent" or "symmetric" => MappingBehavior.AddressAndPortDependent,
            "none" when allowNone => MappingBehavior.None,
            _ => throw new ScenarioException(field, $"'{text}' is not one of: eim, adm, apdm{(allowNone ? ", none" : string.Empty)}"),
        };

    internal static FilteringBehavior ParseFiltering(string text, string field, bool allowNone) =>
        text.Trim().ToLowerInvariant() switch
        {
            "eif" or "endpoint-independent" => FilteringBehavior.EndpointIndependent,
            "adf" or "address-dependent" => FilteringBehavior.AddressDependent,
            "apdf" or "address-and-port-dependent" => FilteringBehavior.AddressAndPortDependent,
            "none" when allowNone => FilteringBehavior.None,
            _ => throw new ScenarioException(field, $"'{text}' is not one of: eif, adf, apdf{(allowNone ? ", none" : string.Empty)}"),
        };

    private static FirewallMode ParseFirewall(string? text, string field) =>
        text?.Trim().ToLowerInvariant() switch
        {
            null or "none" => FirewallMode.None,
            "udp-blocked" => FirewallMode.UdpBlocked,
            _ => throw new ScenarioException(field, $"'{text}' is not one of: none, udp-blocked"),
        };

    private static bool ParseBool(string text, string field) =>
        text.Trim().ToLowerInvariant() switch
        {
            "true" or "yes" or "on" => true,
            "false" or "no" or "off" => false,
            _ => throw new ScenarioException(field, $"'{text}' is not a boolean (true or false)"),
        };

    /// <summary>"30" (seconds), "30s", "500ms", "2m".</summary>
    internal static TimeSpan ParseDuration(string text, string field)
    {
        var t = text.Trim().ToLowerInvariant();
        var (digits, scale) = t.EndsWith("ms", StringComparison.Ordinal) ? (t[..^2], 0.001)
            : t.EndsWith('s') ? (t[..^1], 1.0)
            : t.EndsWith('m') ? (t[..^1], 60.0)
            : (t, 1.0);
        if (!double.TryParse(digits, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
        {
            throw new ScenarioException(field, $"'{text}' is not a duration (e.g. 30, 30s, 500ms, 2m)");
        }

        var span = TimeSpan.FromSeconds(value * scale);
        if (span < TimeSpan.FromSeconds(1) || span > TimeSpan.FromHours(1))
        {
            throw new ScenarioException(field, $"'{text}' must be between 1s and 1h (conntrack counts whole seconds)");
        }

        return TimeSpan.FromSeconds(Math.Round(span.TotalSeconds));
    }
}
