using System.Globalization;
using System.Net;

namespace Nexodus.Mesh.Netsim.Scenarios;

/// <summary>
/// Describes a scenario in code; <see cref="Build"/> runs the same validation (and automatic addressing) as files.
/// </summary>
public sealed class ScenarioBuilder
{
    private readonly ScenarioDocument _doc;

    public ScenarioBuilder(string name)
    {
        _doc = new ScenarioDocument { Name = name, Networks = [], Routers = [], Hosts = [] };
    }

    public ScenarioBuilder Description(string text)
    {
        _doc.Description = text;
        return this;
    }

    public ScenarioBuilder Network(string name, string subnet)
    {
        _doc.Networks![name] = subnet;
        return this;
    }

    public ScenarioBuilder Router(
        string name,
        string wan,
        string lan,
        NatSpec? nat = null,
        FirewallMode firewall = FirewallMode.None,
        IPAddress? wanAddress = null,
        IPAddress? lanAddress = null)
    {
        var n = nat ?? NatSpec.PortRestrictedCone;
        _doc.Routers![name] = new RouterDocument
        {
            Wan = wan,
            Lan = lan,
            WanAddress = wanAddress?.ToString(),
            LanAddress = lanAddress?.ToString(),
            Firewall = firewall == FirewallMode.UdpBlocked ? "udp-blocked" : "none",
            Nat = new NatDocument
            {
                Mapping = ToText(n.Mapping),
                Filtering = ToText(n.Filtering),
                Hairpin = n.Hairpin ? "true" : "false",
                MappingTimeout = ((int)n.MappingTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture),
            },
        };
        return this;
    }

    public ScenarioBuilder Host(string name, string network, params IPAddress[] addresses)
    {
        _doc.Hosts![name] = new HostDocument
        {
            Network = network,
            Addresses = addresses.Length == 0 ? null : [.. addresses.Select(a => a.ToString())],
        };
        return this;
    }

    public ScenarioBuilder Expect(ScenarioExpectation expect)
    {
        _doc.Expect = new ExpectDocument
        {
            Host = expect.Host,
            Server = expect.Server,
            Mapping = ToText(expect.Mapping),
            Filtering = ToText(expect.Filtering),
            Hairpin = expect.Hairpin ? "true" : "false",
            Udp = expect.UdpBlocked ? "blocked" : "open",
            NatLayers = expect.NatLayers.ToString(CultureInfo.InvariantCulture),
        };
        return this;
    }

    /// <summary>Validates and returns the scenario; throws <see cref="ScenarioException"/> naming the bad field.</summary>
    public Scenario Build() => ScenarioValidator.Validate(_doc);

    internal static string ToText(MappingBehavior m) => m switch
    {
        MappingBehavior.EndpointIndependent => "eim",
        MappingBehavior.AddressDependent => "adm",
        MappingBehavior.AddressAndPortDependent => "apdm",
        _ => "none",
    };

    internal static string ToText(FilteringBehavior f) => f switch
    {
        FilteringBehavior.EndpointIndependent => "eif",
        FilteringBehavior.AddressDependent => "adf",
        FilteringBehavior.AddressAndPortDependent => "apdf",
        _ => "none",
    };
}
