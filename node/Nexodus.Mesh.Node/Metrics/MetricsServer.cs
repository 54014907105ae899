using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Hosting;

namespace Nexodus.Mesh.Node.Metrics;

/// <summary>
/// GET /metrics in the Prometheus text format on the one TCP address `--metrics` names (nothing else is served there:
/// the local API is only on its unix socket, where callers are checked).
/// </summary>
internal sealed class MetricsServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private MetricsServer(WebApplication app, IPEndPoint endpoint)
    {
        _app = app;
        Endpoint = endpoint;
    }

    /// <summary>The bound address (the real port when 0 was asked for).</summary>
    public IPEndPoint Endpoint { get; }

    /// <summary>Parses "ADDR:PORT" ("127.0.0.1:9100", "[::1]:9100"); false with a message naming the flag otherwise.</summary>
    public static bool TryParseEndpoint(string text, out IPEndPoint endpoint, out string error)
    {
        error = "";
        if (IPEndPoint.TryParse(text, out var parsed) && text.Contains(':', StringComparison.Ordinal) && (parsed.AddressFamily == AddressFamily.InterNetwork ? text.Count(c => c == ':') == 1 : text.StartsWith('[')))
        {
            endpoint = parsed;
            return true;
        }

        endpoint = new IPEndPoint(IPAddress.Loopback, 0);
        error = $"--metrics must be ADDR:PORT, e.g. 127.0.0.1:9100 or [::1]:9100 (got '{text}')";
        return false;
    }

    public static async Task<MetricsServer> StartAsync(IPEndPoint endpoint, AgentMetrics metrics, CancellationToken cancel = default)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(o =>
        {
            o.AddServerHeader = false;
            o.Limits.MaxRequestLineSize = 1024;
            o.Limits.MaxRequestHeadersTotalSize = 8 * 1024;
            o.Limits.MaxRequestBodySize = 1024;
            o.Limits.MaxConcurrentConnections = 32;
            o.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(5);
            o.Listen(endpoint, l => l.Protocols = HttpProtocols.Http1);
        });
        var app = builder.Build();
        app.Run(async context =>
        {
            if (context.Request.Path.Value != "/metrics")
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                await context.Response.WriteAsync("not found; metrics are at /metrics\n");
                return;
            }

            if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
            {
                context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
                context.Response.Headers.Allow = "GET, HEAD";
                return;
            }

            context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await metrics.WriteAsync(context.Response.Body, context.RequestAborted);
        });
        try
        {
            await app.StartAsync(cancel);
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            await app.DisposeAsync();
            throw new IOException($"cannot serve metrics on {endpoint}: {e.Message}", e);
        }

        var bound = endpoint;
        var address = app.Services.GetService(typeof(IServer)) is IServer server ? server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() : null;
        if (endpoint.Port == 0 && address is not null && Uri.TryCreate(address, UriKind.Absolute, out var uri))
        {
            bound = new IPEndPoint(endpoint.Address, uri.Port);
        }

        return new MetricsServer(app, bound);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _app.StopAsync(TimeSpan.FromSeconds(2));
        }
        catch (OperationCanceledException)
        {
            // Scrapes still running after the grace period are cut.
        }

        await _app.DisposeAsync();
    }
}
