using System.Net;
using Nexodus.Mesh.Netsim.Scenarios;

namespace Nexodus.Mesh.TestDoubles.Netsim;

/// <summary>What <see cref="NatProbe"/> observed, with the raw mappings for assertion messages.</summary>
public sealed record NatProbeResult(
    MappingBehavior Mapping,
    FilteringBehavior Filtering,
    IPEndPoint? MappingA1P1,
    IPEndPoint? MappingA1P2,
    IPEndPoint? MappingA2P1,
    bool UdpBlocked)
{
    public override string ToString() =>
        UdpBlocked ? "UDP blocked" : $"mapping {Mapping} ({MappingA1P1}, {MappingA1P2}, {MappingA2P1}), filtering {Filtering}";
}
