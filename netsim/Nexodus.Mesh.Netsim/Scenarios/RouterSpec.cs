using System.Net;

namespace Nexodus.Mesh.Netsim.Scenarios;

/// <summary>A NAT router between a LAN network and a WAN network (the internet, or a carrier network for CGNAT).</summary>
public sealed record RouterSpec(
    string Name,
    string WanNetwork,
    IPAddress WanAddress,
    string LanNetwork,
    IPAddress LanAddress,
    NatSpec Nat,
    FirewallMode Firewall);
