using Nexodus.Mesh.Core.Net;

namespace Nexodus.Mesh.Node.Paths;

/// <summary>One ip:port a peer might be reached at, and what disco has seen of it.</summary>
internal sealed class PathCandidate(UdpEndpoint endpoint)
{
    public UdpEndpoint Endpoint { get; } = endpoint;

    /// <summary>Reported by the peer through control (kept until the netmap drops it).</summary>
    public bool FromNetmap { get; set; }

    /// <summary>Last time call-me-maybe or an incoming ping named this address (learned candidates expire).</summary>
    public DateTimeOffset LearnedAt { get; set; }

    public DateTimeOffset LastPing { get; set; } = DateTimeOffset.MinValue;

    public DateTimeOffset? LastPong { get; set; }

    public TimeSpan? Latency { get; set; }
}
