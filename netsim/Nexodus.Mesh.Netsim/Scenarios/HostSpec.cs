using System.Net;

namespace Nexodus.Mesh.Netsim.Scenarios;

/// <summary>An end host attached to one network, with one or more addresses (the first is its primary).</summary>
public sealed record HostSpec(string Name, string Network, IReadOnlyList<IPAddress> Addresses);
