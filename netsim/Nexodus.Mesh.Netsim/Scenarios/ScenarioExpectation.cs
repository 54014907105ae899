namespace Nexodus.Mesh.Netsim.Scenarios;

/// <summary>
/// What a scenario claims about the path from <see cref="Host"/> to <see cref="Server"/>; the netsim tests verify
/// the claim with real packets, and other components' tests read it to know what to expect.
/// </summary>
/// <param name="Host">The host under test (behind the NAT(s)).</param>
/// <param name="Server">A public host with two addresses (STUN / observer server).</param>
/// <param name="Mapping">Observed mapping behaviour across all NAT layers.</param>
/// <param name="Filtering">Observed filtering behaviour across all NAT layers.</param>
/// <param name="Hairpin">Whether two hosts behind the same NAT reach each other through public mappings.</param>
/// <param name="UdpBlocked">True when no UDP leaves the host's network (only TCP 443).</param>
/// <param name="NatLayers">Number of NATs between host and server (0 = public, 2 = CGNAT).</param>
public sealed record ScenarioExpectation(
    string Host,
    string Server,
    MappingBehavior Mapping,
    FilteringBehavior Filtering,
    bool Hairpin,
    bool UdpBlocked,
    int NatLayers);
