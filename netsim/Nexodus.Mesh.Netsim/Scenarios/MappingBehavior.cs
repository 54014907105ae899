namespace Nexodus.Mesh.Netsim.Scenarios;

/// <summary>NAT mapping behaviour (RFC 4787 §4.1): what decides whether an outbound flow reuses a mapping.</summary>
public enum MappingBehavior
{
    /// <summary>No translation at all (a public host, or a same-LAN path).</summary>
    None,

    /// <summary>Same internal address:port → same external address:port for every destination (EIM).</summary>
    EndpointIndependent,

    /// <summary>The mapping is reused only for the same destination address (ADM).</summary>
    AddressDependent,

    /// <summary>A new mapping for every destination address:port (APDM, "symmetric").</summary>
    AddressAndPortDependent,
}
