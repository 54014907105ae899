namespace Nexodus.Mesh.Stun.Client;

/// <summary>The short names of RFC 4787 used in output and scenario files.</summary>
public static class NatBehaviorNames
{
    public static string ShortName(this NatMapping mapping) => mapping switch
    {
        NatMapping.EndpointIndependent => "EIM",
        NatMapping.AddressDependent => "ADM",
        NatMapping.AddressAndPortDependent => "APDM",
        _ => "unknown",
    };

    public static string ShortName(this NatFiltering filtering) => filtering switch
    {
        NatFiltering.EndpointIndependent => "EIF",
        NatFiltering.AddressDependent => "ADF",
        NatFiltering.AddressAndPortDependent => "APDF",
        _ => "unknown",
    };

    public static string Describe(this NatMapping mapping) => mapping switch
    {
        NatMapping.EndpointIndependent => "endpoint-independent",
        NatMapping.AddressDependent => "address-dependent",
        NatMapping.AddressAndPortDependent => "address-and-port-dependent",
        _ => "unknown",
    };

    public static string Describe(this NatFiltering filtering) => filtering switch
    {
        NatFiltering.EndpointIndependent => "endpoint-independent",
        NatFiltering.AddressDependent => "address-dependent",
        NatFiltering.AddressAndPortDependent => "address-and-port-dependent",
        _ => "unknown",
    };
}
