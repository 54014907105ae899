using Nexodus.Mesh.Core.Keys;

namespace Nexodus.Mesh.Node.Paths;

/// <summary>One peer's path as `nexctl peers` shows it.</summary>
/// <param name="NotDirectReason">Why the peer is not direct ("no pong from candidates", "udp blocked", "no candidates", ...); null when direct.</param>
/// <param name="Latency">Round trip of the last pong on the direct path (null when not direct).</param>
internal sealed record PeerPathStatus(
    PublicKey NodeKey,
    PathKind Kind,
    string? DirectAddress,
    int? RelayRegion,
    string? NotDirectReason,
    TimeSpan? Latency,
    DateTimeOffset? LastPong,
    int Candidates);
