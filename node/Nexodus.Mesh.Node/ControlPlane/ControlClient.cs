using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Security;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text.Json;
using Nexodus.Mesh.Core.Contracts;

namespace Nexodus.Mesh.Node.ControlPlane;

/// <summary>The node's HTTP client for control: enroll, netmap stream (NDJSON), status report.</summary>
internal sealed partial class ControlClient : IDisposable
{
    private readonly HttpClient _http;

    /// <param name="baseUrl">Control's URL (http(s)://host:port).</param>
    /// <param name="caPin">Optional SHA-256 (hex) of control's TLS certificate: pinned instead of the system trust.</param>
    public ControlClient(Uri baseUrl, string? caPin = null)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(5),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        };
        if (!string.IsNullOrEmpty(caPin))
        {
            var pin = Convert.FromHexString(caPin.Replace(":", "", StringComparison.Ordinal));
            handler.SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, cert, _, _) =>
                    cert is not null && CryptographicOperations.FixedTimeEquals(SHA256.HashData(cert.GetRawCertData()), pin),
            };
        }

        _http = new HttpClient(handler) { BaseAddress = baseUrl, Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("nexd", "1.0"));
    }

    public Uri BaseUrl => _http.BaseAddress!;

    /// <summary>POST /api/enroll. Throws <see cref="ControlRefusedException"/> on 4xx, <see cref="ControlUnreachableException"/> otherwise.</summary>
    public async Task<EnrollResponse> EnrollAsync(EnrollRequest request, string? bearerToken, CancellationToken cancel)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, "/api/enroll")
        {
            Content = JsonContent.Create(request, ContractsJsonContext.Default.EnrollRequest),
        };
        if (bearerToken is not null)
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearerToken);
        }

        using var response = await SendAsync(message, HttpCompletionOption.ResponseContentRead, TimeSpan.FromSeconds(20), cancel);
        await ThrowIfFailedAsync(response, cancel);
        try
        {
            return await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.EnrollResponse, cancel)
                ?? throw new ControlUnreachableException("control sent an empty enrollment response");
        }
        catch (JsonException e)
        {
            throw new ControlUnreachableException("control sent a malformed enrollment response: " + e.Message, e);
        }
    }

    /// <summary>
    /// GET /api/device/netmap[?revision=R]: yields each line. Ends (or throws) when the stream breaks; a line that does
    /// not parse is skipped. <paramref name="idleTimeout"/> without any line (heartbeats included) = dead stream.
    /// </summary>
    public async IAsyncEnumerable<NetmapMessage> StreamNetmapAsync(string credential, long? revision, TimeSpan idleTimeout, Action<string> onBadLine, [EnumeratorCancellation] CancellationToken cancel)
    {
        var url = revision is long r ? $"/api/device/netmap?revision={r}" : "/api/device/netmap";
        using var message = new HttpRequestMessage(HttpMethod.Get, url);
        message.Headers.Authorization = new AuthenticationHeaderValue("Device", credential);
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        idle.CancelAfter(TimeSpan.FromSeconds(20));
        using var response = await SendAsync(message, HttpCompletionOption.ResponseHeadersRead, null, idle.Token);
        await ThrowIfFailedAsync(response, cancel);
        await using var body = await response.Content.ReadAsStreamAsync(cancel);
        using var reader = new StreamReader(body);
        while (true)
        {
            idle.CancelAfter(idleTimeout);
            string? line;
            try
            {
                line = await reader.ReadLineAsync(idle.Token);
            }
            catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
            {
                throw new ControlUnreachableException($"no netmap line for {idleTimeout.TotalSeconds:0} s");
            }
            catch (IOException e)
            {
                throw new ControlUnreachableException("netmap stream broke: " + e.Message, e);
            }
            catch (HttpRequestException e)
            {
                throw new ControlUnreachableException("netmap stream broke: " + e.Message, e);
            }

            if (line is null)
            {
                yield break;
            }

            if (line.Length == 0)
            {
                continue;
            }

            NetmapMessage? parsed = null;
            try
            {
                parsed = JsonSerializer.Deserialize(line, ContractsJsonContext.Default.NetmapMessage);
            }
            catch (JsonException e)
            {
                onBadLine(e.Message);
            }

            if (parsed is not null)
            {
                yield return parsed;
            }
        }
    }

    /// <summary>PUT /api/device/status.</summary>
    public async Task PutStatusAsync(string credential, DeviceStatusReport report, CancellationToken cancel)
    {
        using var message = new HttpRequestMessage(HttpMethod.Put, "/api/device/status")
        {
            Content = JsonContent.Create(report, ContractsJsonContext.Default.DeviceStatusReport),
        };
        message.Headers.Authorization = new AuthenticationHeaderValue("Device", credential);
        using var response = await SendAsync(message, HttpCompletionOption.ResponseContentRead, TimeSpan.FromSeconds(10), cancel);
        await ThrowIfFailedAsync(response, cancel);
    }

    public void Dispose() => _http.Dispose();

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage message, HttpCompletionOption completion, TimeSpan? timeout, CancellationToken cancel)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        if (timeout is { } t)
        {
            cts.CancelAfter(t);
        }

        try
        {
            return await _http.SendAsync(message, completion, cts.Token);
        }
        catch (HttpRequestException e)
        {
            throw new ControlUnreachableException($"cannot reach control at {BaseUrl}: {e.Message}", e);
        }
        catch (OperationCanceledException e) when (!cancel.IsCancellationRequested)
        {
            throw new ControlUnreachableException($"control at {BaseUrl} did not answer in time", e);
        }
    }

    private static async Task ThrowIfFailedAsync(HttpResponseMessage response, CancellationToken cancel)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var status = (int)response.StatusCode;
        string detail = "";
        try
        {
            var text = await response.Content.ReadAsStringAsync(cancel);
            using var doc = JsonDocument.Parse(text);
            if (doc.RootElement.ValueKind == JsonValueKind.Object)
            {
                if (doc.RootElement.TryGetProperty("title", out var title) && title.ValueKind == JsonValueKind.String)
                {
                    detail = title.GetString() ?? "";
                }

                if (doc.RootElement.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String)
                {
                    detail = (detail.Length > 0 ? detail + ": " : "") + d.GetString();
                }
            }
        }
        catch (JsonException)
        {
            // Not a ProblemDetails body: the status code alone has to do.
        }

        if (status >= 500 || response.StatusCode == HttpStatusCode.RequestTimeout || response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            throw new ControlUnreachableException($"control answered {status} {detail}".TrimEnd());
        }

        throw new ControlRefusedException(status, detail.Length > 0 ? detail : $"control answered {status}");
    }
}
