using Nexodus.Mesh.Core.Net;

namespace Nexodus.Mesh.Node.Paths;

/// <summary>A ping waiting for its pong: where it went and when.</summary>
internal readonly record struct PendingPing(UdpEndpoint To, DateTimeOffset Sent);
