using System.Text.Json;
using System.Threading.Channels;
using Nexodus.Mesh.Core.Contracts;

namespace Nexodus.Mesh.Control.Tests.Infrastructure;

/// <summary>
/// Reads the newline-delimited JSON netmap stream like a node would. A pump task owns the HTTP stream, because
/// cancelling a read on a response stream aborts the connection; waits with a timeout read the channel instead.
/// </summary>
internal sealed class NetmapReader : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly Channel<NetmapMessage> _messages = Channel.CreateUnbounded<NetmapMessage>();
    private readonly Task _pump;

    private NetmapReader(HttpResponseMessage response, Stream body)
    {
        _response = response;
        _pump = Task.Run(async () =>
        {
            using var reader = new StreamReader(body);
            try
            {
                while (await reader.ReadLineAsync() is { } line)
                {
                    _messages.Writer.TryWrite(JsonSerializer.Deserialize(line, ContractsJsonContext.Default.NetmapMessage)!);
                }
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or HttpRequestException)
            {
            }
            finally
            {
                _messages.Writer.TryComplete();
            }
        });
    }

    public static async Task<NetmapReader> OpenAsync(ControlClient device, long? revision = null)
    {
        var res = await device.Http.GetAsync("/api/device/netmap" + (revision is null ? "" : $"?revision={revision}"), HttpCompletionOption.ResponseHeadersRead);
        Assert.True(res.IsSuccessStatusCode, res.StatusCode.ToString());
        Assert.Equal("application/x-ndjson", res.Content.Headers.ContentType?.MediaType);
        return new NetmapReader(res, await res.Content.ReadAsStreamAsync());
    }

    /// <summary>The next message; null when the server ended the stream; TimeoutException when none came in time.</summary>
    public async Task<NetmapMessage?> NextAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            return await _messages.Reader.WaitToReadAsync(cts.Token) && _messages.Reader.TryRead(out var m) ? m : null;
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no netmap message within {timeout}");
        }
    }

    /// <summary>Skips heartbeats and messages not matching until one does.</summary>
    public async Task<NetmapMessage> WaitForAsync(Func<NetmapMessage, bool> match, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException("expected netmap message did not arrive");
            }

            var m = await NextAsync(left) ?? throw new InvalidOperationException("stream ended");
            if (match(m))
            {
                return m;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _response.Dispose();
        await _pump;
    }
}
