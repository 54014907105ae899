using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;

namespace Nexodus.Mesh.Relay.Admission;

/// <summary>
/// Control's JWKS fetched over HTTP(S) (<c>--control-jwks URL</c>): at start, every <see cref="RefreshInterval"/>,
/// and when a token names an unknown kid — at most once per <see cref="UnknownKidMinInterval"/> so a stream of
/// forged kids cannot make us hammer control. On a failed refresh the last good keys stay in use.
/// </summary>
public sealed partial class HttpJwksSource : IJwksSource, IAsyncDisposable
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan UnknownKidMinInterval = TimeSpan.FromSeconds(30);

    private readonly Uri _uri;
    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _fetchLock = new(1, 1);
    private volatile IReadOnlyList<SecurityKey> _keys = [];
    private long _lastFetch;
    private Task? _loop;

    public HttpJwksSource(Uri uri, HttpClient http, TimeProvider time, ILogger logger)
    {
        _uri = uri;
        _http = http;
        _time = time;
        _logger = logger;
    }

    public IReadOnlyList<SecurityKey> Keys => _keys;

    /// <summary>First fetch; throws with a clear message when control's JWKS cannot be read at start.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await FetchAsync(cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or FormatException or TaskCanceledException)
        {
            throw new InvalidOperationException($"--control-jwks {_uri}: cannot load control's JWKS ({e.Message})", e);
        }

        _loop = RefreshLoopAsync(_stop.Token);
    }

    public async ValueTask<bool> RefreshForUnknownKeyAsync(CancellationToken cancellationToken)
    {
        if (_time.GetElapsedTime(Interlocked.Read(ref _lastFetch)) < UnknownKidMinInterval)
        {
            return false;
        }

        try
        {
            return await FetchAsync(cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or FormatException or TaskCanceledException)
        {
            Log.RefreshFailed(_logger, _uri, e.Message);
            return false;
        }
    }

    private async Task<bool> FetchAsync(CancellationToken cancellationToken)
    {
        await _fetchLock.WaitAsync(cancellationToken);
        try
        {
            Interlocked.Exchange(ref _lastFetch, _time.GetTimestamp());
            var json = await _http.GetStringAsync(_uri, cancellationToken);
            var keys = JwksParser.Parse(json, $"--control-jwks {_uri}");
            var changed = !SameKids(keys, _keys);
            _keys = keys;
            Log.Refreshed(_logger, _uri, keys.Count);
            return changed;
        }
        finally
        {
            _fetchLock.Release();
        }
    }

    private static bool SameKids(IReadOnlyList<SecurityKey> a, IReadOnlyList<SecurityKey> b)
    {
        if (a.Count != b.Count)
        {
            return false;
        }

        for (var i = 0; i < a.Count; i++)
        {
            if (a[i].KeyId != b[i].KeyId)
            {
                return false;
            }
        }

        return true;
    }

    private async Task RefreshLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(RefreshInterval, _time, cancellationToken);
                await FetchAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or FormatException or TaskCanceledException)
            {
                Log.RefreshFailed(_logger, _uri, e.Message);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_loop is not null)
        {
            await _loop;
        }

        _stop.Dispose();
        _fetchLock.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Debug, Message = "Loaded {Count} admission key(s) from {Uri}")]
        public static partial void Refreshed(ILogger logger, Uri uri, int count);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Refreshing control's JWKS from {Uri} failed, keeping the previous keys: {Reason}")]
        public static partial void RefreshFailed(ILogger logger, Uri uri, string reason);
    }
}
