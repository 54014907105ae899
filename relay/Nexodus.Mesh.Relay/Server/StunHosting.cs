using System.Net;
using Microsoft.Extensions.Logging;
using Nexodus.Mesh.Stun.Server;
using Prometheus;

namespace Nexodus.Mesh.Relay.Server;

/// <summary>
/// Runs the embeddable STUN server from stun/ beside the relay, so a node learns its reflexive address from the
/// same host it relays through. Its counters go into the relay's registry (one /metrics for both).
/// </summary>
internal static class StunHosting
{
    public static async Task<(IAsyncDisposable Server, IPEndPoint Endpoint)> StartAsync(IPEndPoint listen, IPAddress? alternateIp, CollectorRegistry registry, ILoggerFactory loggerFactory)
    {
        var options = new StunServerOptions
        {
            Listen = listen,
            AlternateIp = alternateIp,
            AlternatePort = alternateIp is null ? null : (listen.Port == 0 ? 0 : listen.Port + 1),
            Software = "nexodus-relay",
        };
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException($"--stun-listen {listen}: " + string.Join("; ", errors));
        }

        var server = new StunServer(options, new StunServerMetrics(registry), loggerFactory.CreateLogger<StunServer>());
        try
        {
            server.Start();
        }
        catch (System.Net.Sockets.SocketException e)
        {
            await server.DisposeAsync();
            throw new InvalidOperationException($"--stun-listen {listen}: cannot bind the STUN socket ({e.Message})", e);
        }

        return (server, server.LocalEndPoint);
    }
}
