namespace Nexodus.Mesh.Node.LocalApi;

/// <summary>One element of GET /v1/peers: what `nexctl peers` prints.</summary>
internal sealed record PeerResponse
{
    public required string Hostname { get; init; }

    public required string NodeKey { get; init; }

    public IReadOnlyList<string> Addresses { get; init; } = [];

    /// <summary>Control's view: the peer holds a netmap stream.</summary>
    public bool Online { get; init; }

    /// <summary>"direct" | "relay" | "none".</summary>
    public required string PathKind { get; init; }

    /// <summary>The proven direct "ip:port"; null unless <see cref="PathKind"/> is "direct".</summary>
    public string? Endpoint { get; init; }

    public int? RelayRegion { get; init; }

    /// <summary>Why the path is not direct ("no pong from candidates", "udp blocked", ...); null when direct.</summary>
    public string? NotDirectReason { get; init; }

    /// <summary>Round trip of the last disco pong on the direct path; null when not direct.</summary>
    public double? LatencyMs { get; init; }

    /// <summary>Last completed WireGuard handshake; null before the first.</summary>
    public DateTimeOffset? LastHandshake { get; init; }

    public long RxBytes { get; init; }

    public long TxBytes { get; init; }
}
