using System.Net;

namespace Nexodus.Mesh.Netsim.Scenarios;

/// <summary>Scenarios made in code for common test shapes.</summary>
public static class ScenarioTemplates
{
    /// <summary>
    /// Two sites on one internet: <c>alice</c> (192.168.1.10) behind router <c>nata</c> (WAN 203.0.113.10) and
    /// <c>bob</c> (192.168.2.10) behind <c>natb</c> (WAN 203.0.113.11); public hosts <c>stun</c>
    /// (203.0.113.20 and .21) and <c>relay</c> (203.0.113.30). The expectation describes alice's side.
    /// </summary>
    public static Scenario TwoSites(NatSpec siteA, NatSpec siteB, string? name = null) =>
        new ScenarioBuilder(name ?? $"{siteA.ShortName}--{siteB.ShortName}")
            .Description($"alice behind {siteA.ShortName}, bob behind {siteB.ShortName}")
            .Network("internet", "203.0.113.0/24")
            .Network("sitea", "192.168.1.0/24")
            .Network("siteb", "192.168.2.0/24")
            .Router("nata", "internet", "sitea", siteA, wanAddress: IPAddress.Parse("203.0.113.10"), lanAddress: IPAddress.Parse("192.168.1.1"))
            .Router("natb", "internet", "siteb", siteB, wanAddress: IPAddress.Parse("203.0.113.11"), lanAddress: IPAddress.Parse("192.168.2.1"))
            .Host("stun", "internet", IPAddress.Parse("203.0.113.20"), IPAddress.Parse("203.0.113.21"))
            .Host("relay", "internet", IPAddress.Parse("203.0.113.30"))
            .Host("alice", "sitea", IPAddress.Parse("192.168.1.10"))
            .Host("bob", "siteb", IPAddress.Parse("192.168.2.10"))
            .Expect(new ScenarioExpectation("alice", "stun", siteA.Mapping, siteA.Filtering, siteA.Hairpin, false, 1))
            .Build();
}
