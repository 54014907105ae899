namespace Nexodus.Mesh.Stun.Client;

/// <summary>NAT filtering behaviour (RFC 4787 §5, measured per RFC 5780 §4.4).</summary>
public enum NatFiltering
{
    Unknown = 0,
    /// <summary>EIF: anyone may send to the external address once it exists.</summary>
    EndpointIndependent,
    /// <summary>ADF: only IPs the inside host has sent to.</summary>
    AddressDependent,
    /// <summary>APDF: only IP:port pairs the inside host has sent to.</summary>
    AddressAndPortDependent,
}
