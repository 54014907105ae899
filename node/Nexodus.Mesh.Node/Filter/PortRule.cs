namespace Nexodus.Mesh.Node.Filter;

/// <summary>What one compiled rule admits at a prefix: a protocol (0 = any) and a destination port range.</summary>
internal readonly record struct PortRule(byte Protocol, ushort FromPort, ushort ToPort)
{
    public bool AllPorts => FromPort == 0 && ToPort == ushort.MaxValue;

    public bool Matches(byte protocol, ushort destinationPort)
    {
        if (Protocol != 0 && Protocol != protocol)
        {
            return false;
        }

        if (AllPorts)
        {
            return true;
        }

        // A port range only ever admits protocols that have ports.
        return protocol is IpProtocolNumber.Tcp or IpProtocolNumber.Udp && destinationPort >= FromPort && destinationPort <= ToPort;
    }
}
