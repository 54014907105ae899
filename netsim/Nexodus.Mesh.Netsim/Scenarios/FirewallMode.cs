namespace Nexodus.Mesh.Netsim.Scenarios;

/// <summary>Extra forwarding policy on a router, on top of its NAT.</summary>
public enum FirewallMode
{
    /// <summary>Everything outbound is forwarded.</summary>
    None,

    /// <summary>Only TCP to port 443 may leave the LAN (a "UDP blocked" corporate network).</summary>
    UdpBlocked,
}
