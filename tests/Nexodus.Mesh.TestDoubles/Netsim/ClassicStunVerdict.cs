using Nexodus.Mesh.Netsim.Scenarios;

namespace Nexodus.Mesh.TestDoubles.Netsim;

/// <summary>
/// What the RFC 3489 `stun` client (Debian stun-client) prints on its "Primary:" line for a scenario. It cannot tell
/// ADM from APDM ("Dependent Mapping"), so only what it reliably reports is expected.
/// </summary>
public static class ClassicStunVerdict
{
    public static string[] Expected(ScenarioExpectation e)
    {
        if (e.UdpBlocked)
        {
            return ["Blocked"];
        }

        if (e.Mapping == MappingBehavior.None)
        {
            return ["Open"];
        }

        var hairpin = e.Hairpin ? "will hairpin" : "no hairpin";
        if (e.Mapping != MappingBehavior.EndpointIndependent)
        {
            return ["Dependent Mapping", hairpin];
        }

        var filter = e.Filtering switch
        {
            FilteringBehavior.EndpointIndependent => "Independent Filter",
            FilteringBehavior.AddressDependent => "Address Dependent Filter",
            _ => "Port Dependent Filter",
        };
        return ["Independent Mapping", filter, hairpin];
    }
}
