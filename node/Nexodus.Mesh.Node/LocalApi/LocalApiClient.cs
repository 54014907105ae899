using System.Net;
using System.Net.Sockets;

namespace Nexodus.Mesh.Node.LocalApi;

/// <summary>
/// `nexctl`'s side of the local API: one GET over the unix socket. Failures become <see cref="LocalApiException"/>
/// with the sentence the user should read (not running, permission denied, ...).
/// </summary>
internal sealed class LocalApiClient : IDisposable
{
    private readonly string _path;
    private readonly HttpClient _http;

    public LocalApiClient(string socketPath, TimeSpan? timeout = null)
    {
        _path = socketPath;
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            ConnectCallback = async (_, cancel) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(_path), cancel);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };

        // The host part is never resolved: every connection goes to the socket.
        _http = new HttpClient(handler) { BaseAddress = new Uri("http://nexd/"), Timeout = timeout ?? TimeSpan.FromSeconds(10) };
    }

    /// <summary>GETs <paramref name="path"/> ("/v1/status"); returns the JSON body of a 200.</summary>
    public async Task<string> GetAsync(string path, CancellationToken cancel = default)
    {
        if (!Path.Exists(_path))
        {
            throw new LocalApiException($"nexd is not running (no socket at {_path})");
        }

        HttpResponseMessage response;
        try
        {
            response = await _http.GetAsync(path, cancel);
        }
        catch (HttpRequestException e) when (e.InnerException is SocketException s)
        {
            throw s.SocketErrorCode switch
            {
                SocketError.AccessDenied => new LocalApiException($"permission denied on {_path}: the local API answers root and the user nexd runs as; run nexctl with sudo"),
                SocketError.ConnectionRefused => new LocalApiException($"nexd is not running (nobody listens on {_path})"),
                SocketError.AddressNotAvailable => new LocalApiException($"nexd is not running (no socket at {_path})"),
                _ => new LocalApiException($"cannot reach nexd on {_path}: {s.Message}"),
            };
        }
        catch (HttpRequestException e)
        {
            throw new LocalApiException($"nexd on {_path} did not answer properly: {e.Message}");
        }
        catch (TaskCanceledException) when (!cancel.IsCancellationRequested)
        {
            throw new LocalApiException($"nexd on {_path} did not answer within {_http.Timeout.TotalSeconds:0} s");
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancel);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return body;
            }

            var message = ErrorMessage(body) ?? response.ReasonPhrase ?? "";
            throw response.StatusCode == HttpStatusCode.Forbidden
                ? new LocalApiException($"permission denied by nexd: {message}")
                : new LocalApiException($"nexd answered {(int)response.StatusCode}: {message}");
        }
    }

    private static string? ErrorMessage(string body)
    {
        try
        {
            return System.Text.Json.JsonSerializer.Deserialize(body, LocalApiJsonContext.Default.ErrorResponse)?.Error;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    public void Dispose() => _http.Dispose();
}
