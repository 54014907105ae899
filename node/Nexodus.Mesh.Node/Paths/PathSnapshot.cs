namespace Nexodus.Mesh.Node.Paths;

/// <summary>Everything `nexctl status`/`nexctl peers` need from the path manager, taken at one moment.</summary>
internal sealed record PathSnapshot(
    IReadOnlyList<PeerPathStatus> Peers,
    IReadOnlyList<RelayStatus> Relays,
    int? HomeRegion,
    LocalReachability Local,
    ushort ListenPort);
