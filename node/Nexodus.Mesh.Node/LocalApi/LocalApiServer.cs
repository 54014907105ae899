using System.Net.Sockets;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Nexodus.Mesh.Node.LocalApi;

/// <summary>
/// HTTP/1.1 + JSON on a unix socket (Kestrel): GET /v1/status and GET /v1/peers for `nexctl`. Every request is checked
/// against the caller's SO_PEERCRED (<see cref="CallerPolicy"/>); others get 403. Kestrel's limits keep a
/// misbehaving client small and short: garbage gets 400 and a closed connection, never an exception in the agent.
/// </summary>
internal sealed partial class LocalApiServer : IAsyncDisposable
{
    public const string DefaultPath = "/run/nexodus/nexd.sock";

    private const UnixFileMode SocketMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite;

    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private readonly WebApplication _app;
    private readonly ILocalApiSource _source;
    private readonly ILogger _logger;
    private readonly uint _ownerUid;
    private long _forbidden;

    private LocalApiServer(WebApplication app, string path, ILocalApiSource source, ILogger logger)
    {
        _app = app;
        Path = path;
        _source = source;
        _logger = logger;
        _ownerUid = PeerCredentials.EffectiveUserId;
    }

    public string Path { get; }

    /// <summary>Requests refused by the caller check (for metrics and tests).</summary>
    public long Forbidden => Interlocked.Read(ref _forbidden);

    public static string Version { get; } =
        typeof(LocalApiServer).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>
    /// Binds <paramref name="path"/> (creating its directory 0755 if missing, replacing a stale socket nobody listens
    /// on) and serves until disposed. Throws <see cref="IOException"/> with an operator-facing message when it cannot.
    /// </summary>
    public static async Task<LocalApiServer> StartAsync(string path, ILocalApiSource source, ILoggerFactory? loggers = null, CancellationToken cancel = default)
    {
        var logger = (loggers ?? NullLoggerFactory.Instance).CreateLogger("nexd.localapi");
        PrepareSocketPath(path);
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(o =>
        {
            o.AddServerHeader = false;
            o.Limits.MaxRequestLineSize = 1024;
            o.Limits.MaxRequestHeadersTotalSize = 8 * 1024;
            o.Limits.MaxRequestHeaderCount = 32;
            o.Limits.MaxRequestBodySize = 1024;
            o.Limits.MaxConcurrentConnections = 64;
            o.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(5);
            o.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(30);
            o.ListenUnixSocket(path, l => l.Protocols = HttpProtocols.Http1);
        });
        var app = builder.Build();
        var server = new LocalApiServer(app, path, source, logger);
        app.Run(server.HandleAsync);
        try
        {
            await app.StartAsync(cancel);
        }
        catch (Exception e) when (e is IOException or SocketException or UnauthorizedAccessException)
        {
            await app.DisposeAsync();
            throw new IOException($"cannot listen on {path}: {e.Message}", e);
        }

        // Kestrel creates the file with the umask's mode; narrow it to owner+group read/write (connect needs write).
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, SocketMode);
        }

        Log.Listening(logger, path);
        return server;
    }

    private static void PrepareSocketPath(string path)
    {
        var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        if (!Directory.Exists(dir) && !OperatingSystem.IsWindows())
        {
            // Only a directory we create gets our mode; an existing one (/tmp, /run) is the admin's.
            Directory.CreateDirectory(dir, DirectoryMode);
        }

        if (!System.IO.Path.Exists(path))
        {
            return;
        }

        if (Directory.Exists(path) || !LooksLikeSocket(path))
        {
            throw new IOException($"{path} exists and is not a socket; remove it or pass another --local-api PATH");
        }

        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            // Nobody listens: a previous nexd died without cleaning up.
            File.Delete(path);
            return;
        }

        throw new IOException($"{path} is in use (is another nexd running?); stop it or pass another --local-api PATH");
    }

    /// <summary>
    /// .NET has no file-type query; open(2) of a unix socket fails with ENXIO while a regular file opens, so an
    /// operator's file at the path is never deleted as "stale".
    /// </summary>
    private static bool LooksLikeSocket(string path)
    {
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
            return false;
        }
        catch (IOException)
        {
            return true;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var response = context.Response;
        var socket = context.Features.Get<IConnectionSocketFeature>()?.Socket;
        if (socket is null || !PeerCredentials.TryRead(socket, out var caller) || !CallerPolicy.IsAllowed(caller.UserId, _ownerUid))
        {
            Interlocked.Increment(ref _forbidden);
            Log.Forbidden(_logger, socket is not null && PeerCredentials.TryRead(socket, out var c) ? c.UserId : uint.MaxValue);
            await WriteAsync(response, StatusCodes.Status403Forbidden, new ErrorResponse("forbidden: the local API answers root and the user nexd runs as; run nexctl with sudo"), LocalApiJsonContext.Default.ErrorResponse);
            return;
        }

        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            response.Headers.Allow = "GET, HEAD";
            await WriteAsync(response, StatusCodes.Status405MethodNotAllowed, new ErrorResponse($"method {context.Request.Method} not allowed; the local API is read-only (GET)"), LocalApiJsonContext.Default.ErrorResponse);
            return;
        }

        try
        {
            switch (context.Request.Path.Value)
            {
                case "/v1/status":
                    await WriteAsync(response, StatusCodes.Status200OK, _source.Status(), LocalApiJsonContext.Default.StatusResponse);
                    return;
                case "/v1/peers":
                    await WriteAsync(response, StatusCodes.Status200OK, _source.Peers(), LocalApiJsonContext.Default.PeerResponseArray);
                    return;
                default:
                    await WriteAsync(response, StatusCodes.Status404NotFound, new ErrorResponse($"no such endpoint {context.Request.Path.Value}; try /v1/status or /v1/peers"), LocalApiJsonContext.Default.ErrorResponse);
                    return;
            }
        }
        catch (Exception e) when (e is not OperationCanceledException && !response.HasStarted)
        {
            // A snapshot taken while the agent tears down can race with disposal; say so instead of failing the connection.
            Log.SnapshotFailed(_logger, e);
            await WriteAsync(response, StatusCodes.Status503ServiceUnavailable, new ErrorResponse("agent state unavailable right now: " + e.Message), LocalApiJsonContext.Default.ErrorResponse);
        }
    }

    private static Task WriteAsync<T>(HttpResponse response, int status, T body, JsonTypeInfo<T> type)
    {
        // Serialized up front so the answer carries Content-Length (no chunking): simpler for curl, nc and scripts.
        var bytes = JsonSerializer.SerializeToUtf8Bytes(body, type);
        response.StatusCode = status;
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = bytes.Length;
        response.Headers.CacheControl = "no-store";
        return response.Body.WriteAsync(bytes).AsTask();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _app.StopAsync(TimeSpan.FromSeconds(2));
        }
        catch (OperationCanceledException)
        {
            // Connections still open after the grace period are cut; that is what stopping means.
        }

        await _app.DisposeAsync();
        try
        {
            File.Delete(Path);
        }
        catch (IOException)
        {
            // Already gone or replaced: nothing of ours to clean.
        }
    }
}
