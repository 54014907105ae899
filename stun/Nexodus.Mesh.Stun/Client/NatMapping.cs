namespace Nexodus.Mesh.Stun.Client;

/// <summary>NAT mapping behaviour (RFC 4787 §4.1, measured per RFC 5780 §4.3).</summary>
public enum NatMapping
{
    Unknown = 0,
    /// <summary>EIM: one external address for all destinations; hole punching works.</summary>
    EndpointIndependent,
    /// <summary>ADM: a new external address per destination IP.</summary>
    AddressDependent,
    /// <summary>APDM: a new external address per destination IP and port ("symmetric NAT").</summary>
    AddressAndPortDependent,
}
