using System.Net;
using System.Net.Security;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Nexodus.Mesh.Relay.Admission;
using Nexodus.Mesh.Relay.Protocol;
using Prometheus;

namespace Nexodus.Mesh.Relay.Server;

/// <summary>
/// The relay on Kestrel: <c>/relay</c> (WebSocket or <c>Upgrade: nexodus-relay</c>), <c>/relay/probe</c> (204, for
/// latency measurement), <c>/healthz</c>, <c>/metrics</c>; TLS from a certificate; the embedded STUN server.
/// </summary>
public sealed partial class RelayHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpJwksSource? _httpJwks;
    private readonly IAsyncDisposable? _stun;
    private bool _stopped;

    private RelayHost(WebApplication app, RelayServer server, HttpJwksSource? httpJwks, IAsyncDisposable? stun, Uri url, Uri? metricsUrl, IPEndPoint? stunEndpoint)
    {
        _app = app;
        Server = server;
        _httpJwks = httpJwks;
        _stun = stun;
        Url = url;
        MetricsUrl = metricsUrl;
        StunEndpoint = stunEndpoint;
    }

    public RelayServer Server { get; }

    /// <summary>Base URL of the main listener as bound (port 0 resolved), e.g. https://127.0.0.1:41234/.</summary>
    public Uri Url { get; }

    public Uri RelayUrl => new(Url, ProtocolConstants.Path);

    public Uri? MetricsUrl { get; }

    public IPEndPoint? StunEndpoint { get; }

    public static async Task<RelayHost> StartAsync(RelayHostOptions host, RelayServerOptions relay, ILoggerFactory? loggerFactory = null, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        time ??= TimeProvider.System;
        loggerFactory ??= Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance;
        var logger = loggerFactory.CreateLogger<RelayServer>();

        IJwksSource jwks;
        HttpJwksSource? httpJwks = null;
        var sources = (host.ControlJwks is null ? 0 : 1) + (host.ControlKeyFile is null ? 0 : 1) + (host.ControlJwksJson is null ? 0 : 1);
        if (sources != 1)
        {
            throw new ArgumentException("give exactly one of --control-jwks URL or --control-key FILE (the keys that verify control's admission tokens)");
        }

        if (host.ControlJwks is not null)
        {
            var handler = new SocketsHttpHandler
            {
                SslOptions = { RemoteCertificateValidationCallback = (_, cert, _, errors) => host.ControlTrust.Validate(cert, errors) },
            };
            httpJwks = new HttpJwksSource(host.ControlJwks, new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) }, time, logger);
            await httpJwks.StartAsync(cancellationToken);
            jwks = httpJwks;
        }
        else if (host.ControlKeyFile is not null)
        {
            jwks = FileJwksSource.FromFile(host.ControlKeyFile);
        }
        else
        {
            jwks = FileJwksSource.FromJson(host.ControlJwksJson!);
        }

        var metrics = new RelayMetrics();
        var server = new RelayServer(relay, new AdmissionValidator(jwks, host.Issuer, time), metrics, time, logger);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddSingleton(loggerFactory);
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<ILoggerFactory>(loggerFactory);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestHeadersTotalSize = 16 * 1024;
            k.Limits.MaxRequestBodySize = 1024;
            k.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
            void Configure(Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions listen)
            {
                if (host.Certificate is not null)
                {
                    // A TLS handshake that drags on is a pre-authentication connection too: same bound as client-info.
                    listen.UseHttps(new Microsoft.AspNetCore.Server.Kestrel.Https.HttpsConnectionAdapterOptions
                    {
                        ServerCertificate = host.Certificate,
                        HandshakeTimeout = relay.HandshakeTimeout,
                    });
                }
            }

            if (host.ListenSocket is { } socket)
            {
                k.ListenHandle((ulong)socket.SafeHandle.DangerousGetHandle(), Configure);
            }
            else
            {
                k.Listen(host.Listen, Configure);
            }
            if (host.MetricsListen is not null)
            {
                k.Listen(host.MetricsListen);
            }
        });

        var app = builder.Build();
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.Zero });
        int? metricsPort = null;
        app.Use(async (ctx, next) =>
        {
            // The metrics listener serves /metrics only; the main one serves /metrics only when there is no separate one.
            var onMetricsPort = metricsPort is { } p && ctx.Connection.LocalPort == p;
            var isMetrics = ctx.Request.Path == "/metrics";
            if (onMetricsPort != isMetrics && (onMetricsPort || metricsPort is not null))
            {
                ctx.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }

            await next(ctx);
        });
        app.MapGet(ProtocolConstants.ProbePath, (HttpContext ctx) =>
        {
            ctx.Response.Headers.CacheControl = "no-store";
            return Results.NoContent();
        });
        app.MapGet("/healthz", () => server.IsStopping ? Results.Text("stopping", statusCode: 503) : Results.Text("ok"));
        app.MapGet("/metrics", async (HttpContext ctx) =>
        {
            ctx.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await metrics.Registry.CollectAndExportAsTextAsync(ctx.Response.Body, ctx.RequestAborted);
        });
        app.Map(ProtocolConstants.Path, (HttpContext ctx) => AcceptAsync(ctx, server));

        await app.StartAsync(cancellationToken);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .Select(a => Uri.TryCreate(a, UriKind.Absolute, out var u) ? u : null).OfType<Uri>().ToList();
        // Kestrel reports endpoints in the order they were configured: main first, then metrics. A handed-in
        // socket is reported by handle, so its URL is built from the socket's own address.
        var main = host.ListenSocket?.LocalEndPoint is IPEndPoint bound
            ? new Uri($"{(host.Certificate is null ? "http" : "https")}://{(bound.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{bound.Address}]" : bound.Address.ToString())}:{bound.Port}/")
            : addresses[0];
        Uri? metricsUrl = null;
        if (host.MetricsListen is not null)
        {
            var metricsAddress = addresses[^1];
            metricsPort = metricsAddress.Port;
            metricsUrl = new Uri(metricsAddress, "/metrics");
        }

        IAsyncDisposable? stun = null;
        IPEndPoint? stunEndpoint = null;
        if (host.StunListen is not null)
        {
            try
            {
                (stun, stunEndpoint) = await StunHosting.StartAsync(host.StunListen, host.StunAlternateIp, metrics.Registry, loggerFactory);
            }
            catch
            {
                await app.StopAsync(CancellationToken.None);
                await app.DisposeAsync();
                throw;
            }
        }

        server.StartMesh();
        Log.Started(logger, main, server.PublicKey.ToString(), relay.Region);
        return new RelayHost(app, server, httpJwks, stun, main, metricsUrl, stunEndpoint);
    }

    /// <summary>
    /// After the 101 the connection carries only relay frames, so the relay reads and writes the connection's
    /// <see cref="SslStream"/> itself instead of going through Kestrel's upgrade stream: that skips the HTTP/1
    /// upgrade body, one copy per read, and Kestrel's output pipe, which hands TLS one 4 KiB segment at a time (one
    /// record and one transport flush per 4 KiB) where a direct 64 KiB write becomes four 16 KiB records. Only
    /// when Kestrel has no bytes of this connection buffered beyond the request (a client may send only after it
    /// got server-key, so a compliant one never has); otherwise, or without TLS, the upgrade stream is used.
    /// </summary>
    private static Stream? DirectTlsStream(HttpContext ctx)
    {
        if (ctx.Features.Get<ISslStreamFeature>()?.SslStream is not { } ssl)
        {
            return null;
        }

        if (ctx.Features.Get<IConnectionTransportFeature>()?.Transport.Input is not { } input)
        {
            return null;
        }

        if (input.TryRead(out var buffered))
        {
            var empty = buffered.Buffer.IsEmpty;
            input.AdvanceTo(buffered.Buffer.Start);
            if (!empty)
            {
                return null;
            }
        }

        return ssl;
    }

    private static async Task AcceptAsync(HttpContext ctx, RelayServer server)
    {
        var remote = $"{ctx.Connection.RemoteIpAddress}:{ctx.Connection.RemotePort}";
        if (ctx.WebSockets.IsWebSocketRequest)
        {
            if (!ctx.WebSockets.WebSocketRequestedProtocols.Contains(ProtocolConstants.UpgradeToken))
            {
                ctx.Response.StatusCode = StatusCodes.Status400BadRequest;
                await ctx.Response.WriteAsync($"request the WebSocket sub-protocol '{ProtocolConstants.UpgradeToken}'");
                return;
            }

            using var ws = await ctx.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { SubProtocol = ProtocolConstants.UpgradeToken, KeepAliveInterval = TimeSpan.Zero });
            await using var stream = WebSocketStream.Create(ws, WebSocketMessageType.Binary, ownsWebSocket: false);
            await server.HandleConnectionAsync(stream, remote, ctx.RequestAborted);
            return;
        }

        var upgrade = ctx.Features.Get<IHttpUpgradeFeature>();
        if (upgrade is { IsUpgradableRequest: true } && string.Equals(ctx.Request.Headers.Upgrade, ProtocolConstants.UpgradeToken, StringComparison.OrdinalIgnoreCase))
        {
            ctx.Response.Headers.Upgrade = ProtocolConstants.UpgradeToken;
            ctx.Response.Headers.Connection = "Upgrade";
            await using var upgraded = await upgrade.UpgradeAsync();
            var direct = DirectTlsStream(ctx);
            if (direct is not null)
            {
                Interlocked.Increment(ref server.DirectTlsConnections);
            }

            await server.HandleConnectionAsync(direct ?? upgraded, remote, ctx.RequestAborted);
            return;
        }

        ctx.Response.StatusCode = StatusCodes.Status426UpgradeRequired;
        ctx.Response.Headers.Upgrade = ProtocolConstants.UpgradeToken;
        await ctx.Response.WriteAsync($"this is a nexodus relay: connect with 'Upgrade: {ProtocolConstants.UpgradeToken}' or a WebSocket (sub-protocol {ProtocolConstants.UpgradeToken})");
    }

    /// <summary>Graceful stop: clients are told to reconnect after <paramref name="reconnectIn"/>.</summary>
    public async Task StopAsync(TimeSpan reconnectIn = default)
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        await Server.ShutdownAsync(restarting: true, reconnectIn);
        await StopAppAsync();
    }

    /// <summary>Abrupt stop, as a crash would look to clients: connections are cut without a restarting frame.</summary>
    public async Task KillAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        await Server.ShutdownAsync(restarting: false);
        await StopAppAsync();
    }

    private async Task StopAppAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
        if (_stun is not null)
        {
            await _stun.DisposeAsync();
        }

        if (_httpJwks is not null)
        {
            await _httpJwks.DisposeAsync();
        }

        await Server.DisposeAsync();
    }

    public async ValueTask DisposeAsync() => await KillAsync();

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Relay listening on {Url}; key {Key}; region {Region}")]
        public static partial void Started(ILogger logger, Uri url, string key, string region);
    }
}
