namespace Nexodus.Mesh.Core.Contracts;

/// <summary>PUT /api/device/status: what the node learned about its own reachability.</summary>
public sealed record DeviceStatusReport
{
    /// <summary>Candidate endpoints "ip:port" / "[ipv6]:port".</summary>
    public IReadOnlyList<string> Endpoints { get; init; } = [];

    /// <summary>Relay region id the node is attached to.</summary>
    public int? HomeRelay { get; init; }

    /// <summary>RFC 5780 mapping behaviour: "eim", "adm", "apdm" or "" if unknown.</summary>
    public string NatMapping { get; init; } = "";

    /// <summary>RFC 5780 filtering behaviour: "eif", "adf", "apdf" or "" if unknown.</summary>
    public string NatFiltering { get; init; } = "";
}
