namespace Nexodus.Mesh.Netsim.Scenarios;

/// <summary>
/// A validated topology: networks (L2 segments), NAT routers between them, and hosts. Build one with
/// <see cref="ScenarioFile"/> (YAML/JSON) or <see cref="ScenarioBuilder"/> (in code).
/// </summary>
public sealed record Scenario(
    string Name,
    string? Description,
    ScenarioExpectation? Expect,
    IReadOnlyList<NetworkSpec> Networks,
    IReadOnlyList<RouterSpec> Routers,
    IReadOnlyList<HostSpec> Hosts)
{
    public NetworkSpec Network(string name) =>
        Networks.FirstOrDefault(n => n.Name == name) ?? throw new KeyNotFoundException($"no network '{name}' in scenario '{Name}'");

    public HostSpec Host(string name) =>
        Hosts.FirstOrDefault(h => h.Name == name) ?? throw new KeyNotFoundException($"no host '{name}' in scenario '{Name}'");

    public RouterSpec Router(string name) =>
        Routers.FirstOrDefault(r => r.Name == name) ?? throw new KeyNotFoundException($"no router '{name}' in scenario '{Name}'");

    /// <summary>The router whose LAN is <paramref name="network"/>, or null for a public network.</summary>
    public RouterSpec? GatewayOf(string network) => Routers.FirstOrDefault(r => r.LanNetwork == network);

    /// <summary>True when no router has this network as its LAN, i.e. the network is part of the internet.</summary>
    public bool IsPublic(string network) => GatewayOf(network) is null;

    /// <summary>Routers crossed from <paramref name="network"/> to the internet, innermost first.</summary>
    public IReadOnlyList<RouterSpec> NatChain(string network)
    {
        var chain = new List<RouterSpec>();
        for (var gw = GatewayOf(network); gw is not null; gw = GatewayOf(gw.WanNetwork))
        {
            chain.Add(gw);
        }

        return chain;
    }
}
