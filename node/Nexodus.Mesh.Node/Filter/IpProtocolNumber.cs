namespace Nexodus.Mesh.Node.Filter;

/// <summary>IANA protocol numbers the filter understands (IPv4 Protocol / IPv6 Next Header).</summary>
internal static class IpProtocolNumber
{
    public const byte HopByHop = 0;
    public const byte Icmp = 1;
    public const byte Tcp = 6;
    public const byte Udp = 17;
    public const byte Routing = 43;
    public const byte Fragment = 44;
    public const byte Esp = 50;
    public const byte Ah = 51;
    public const byte Icmpv6 = 58;
    public const byte NoNextHeader = 59;
    public const byte DestinationOptions = 60;
    public const byte Mobility = 135;
    public const byte Hip = 139;
    public const byte Shim6 = 140;
    public const byte Experimental1 = 253;
    public const byte Experimental2 = 254;
}
