using System.Net;

namespace Nexodus.Mesh.Netsim.Scenarios;

/// <summary>An L2 segment (a bridge). A network that is no router's LAN is public (part of the "internet").</summary>
/// <param name="Name">Short name, [a-z][a-z0-9]{0,10}.</param>
/// <param name="Subnet">IPv4 subnet of the segment.</param>
public sealed record NetworkSpec(string Name, IPNetwork Subnet);
