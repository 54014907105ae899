using System.Net;
using Microsoft.Extensions.Logging;

namespace Nexodus.Mesh.Relay.Server;

/// <summary>
/// Hosts the embeddable STUN server from stun/ next to the relay. Until stun/ lands on main this refuses with a
/// clear message rather than pretending to serve STUN.
/// </summary>
internal static class StunHosting
{
    public static Task<(IAsyncDisposable Server, IPEndPoint Endpoint)> StartAsync(IPEndPoint listen, ILoggerFactory loggerFactory, TimeProvider time, CancellationToken cancellationToken) =>
        throw new NotSupportedException($"--stun-listen {listen}: this build has no embedded STUN server yet");
}
