namespace Nexodus.Mesh.Netsim.Scenarios;

/// <summary>NAT filtering behaviour (RFC 4787 §5): which inbound packets to a mapping are let through.</summary>
public enum FilteringBehavior
{
    /// <summary>No filtering (no NAT in the path).</summary>
    None,

    /// <summary>Anyone may send to an existing mapping (EIF, "full cone").</summary>
    EndpointIndependent,

    /// <summary>Only addresses the mapping has sent to (ADF, "restricted cone").</summary>
    AddressDependent,

    /// <summary>Only address:port pairs the mapping has sent to (APDF, "port-restricted cone").</summary>
    AddressAndPortDependent,
}
