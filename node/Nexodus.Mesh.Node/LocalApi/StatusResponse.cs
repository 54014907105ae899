namespace Nexodus.Mesh.Node.LocalApi;

/// <summary>GET /v1/status: what `nexctl status` prints. Wire names are the camelCase of these properties.</summary>
internal sealed record StatusResponse
{
    /// <summary>NeedsLogin | Registering | Connecting | Running | Degraded | Stopped.</summary>
    public required string State { get; init; }

    /// <summary>Why the state is what it is (Degraded, NeedsLogin); null when there is nothing to say.</summary>
    public string? Reason { get; init; }

    public string? Hostname { get; init; }

    public Guid? DeviceId { get; init; }

    public Guid? VpcId { get; init; }

    /// <summary>This device's public node key (base64); never the private key.</summary>
    public string? NodeKey { get; init; }

    /// <summary>Tunnel addresses, IPv4 then IPv6, without prefix length.</summary>
    public IReadOnlyList<string> Addresses { get; init; } = [];

    public string? Interface { get; init; }

    public int? ListenPort { get; init; }

    /// <summary>Control service URL.</summary>
    public string? Control { get; init; }

    /// <summary>The netmap stream is connected (control sent a line on the current connection).</summary>
    public bool ControlReachable { get; init; }

    public DateTimeOffset? LastControlContact { get; init; }

    public long LastNetmapRevision { get; init; }

    public int? HomeRelayRegion { get; init; }

    public IReadOnlyList<RelayResponse> Relays { get; init; } = [];

    /// <summary>Candidate endpoints last reported to control ("ip:port").</summary>
    public IReadOnlyList<string> Endpoints { get; init; } = [];

    /// <summary>"eim" | "adm" | "apdm" | "" (unknown).</summary>
    public string NatMapping { get; init; } = "";

    /// <summary>"eif" | "adf" | "apdf" | "" (unknown).</summary>
    public string NatFiltering { get; init; } = "";

    public bool UdpBlocked { get; init; }

    public required string Version { get; init; }
}
