namespace Nexodus.Mesh.Core.Contracts;

/// <summary>
/// One line of the netmap stream (newline-delimited JSON). <see cref="Type"/> is one of
/// <see cref="NetmapMessageTypes"/>. "full" carries <see cref="Map"/>; "delta" carries only the parts that changed
/// (null = unchanged); "heartbeat" carries nothing; "resync" announces that a full map follows; "revoked" ends the stream.
/// </summary>
public sealed record NetmapMessage
{
    public string Type { get; init; } = "";

    public long Revision { get; init; }

    public Netmap? Map { get; init; }

    public PeerInfo? Self { get; init; }

    public IReadOnlyList<PeerInfo>? PeersChanged { get; init; }

    /// <summary>Node keys of peers that left this device's view.</summary>
    public IReadOnlyList<string>? PeersRemoved { get; init; }

    public RelayMap? RelayMap { get; init; }

    public DnsConfig? Dns { get; init; }

    public PacketFilter? PacketFilter { get; init; }

    public RelayAdmission? RelayAdmission { get; init; }

    public string? Reason { get; init; }
}
