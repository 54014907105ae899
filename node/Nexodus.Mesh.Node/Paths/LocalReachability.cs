namespace Nexodus.Mesh.Node.Paths;

/// <summary>
/// What this node learned about its own reachability; the agent sends it to control
/// (PUT /api/device/status: endpoints, homeRelay, natMapping, natFiltering).
/// </summary>
/// <param name="Endpoints">Candidate "ip:port" / "[ipv6]:port": local addresses with the bound port, then STUN reflexive ones.</param>
/// <param name="NatMapping">"eim" | "adm" | "apdm" | "" (unknown).</param>
/// <param name="NatFiltering">"eif" | "adf" | "apdf" | "" (unknown).</param>
/// <param name="UdpBlocked">STUN got no answer from any server (only the relay over TCP works).</param>
internal sealed record LocalReachability(IReadOnlyList<string> Endpoints, int? HomeRelay, string NatMapping, string NatFiltering, bool UdpBlocked)
{
    public static LocalReachability Unknown { get; } = new([], null, "", "", false);

    public bool SameAs(LocalReachability other) =>
        HomeRelay == other.HomeRelay && NatMapping == other.NatMapping && NatFiltering == other.NatFiltering
        && UdpBlocked == other.UdpBlocked && Endpoints.SequenceEqual(other.Endpoints);
}
