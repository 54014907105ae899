using System.Text.Json;
using Nexodus.Mesh.Core.Contracts;

namespace Nexodus.Mesh.Control.Tests.Infrastructure;

/// <summary>Reads the newline-delimited JSON netmap stream like a node would.</summary>
internal sealed class NetmapReader : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;

    private NetmapReader(HttpResponseMessage response, StreamReader reader)
    {
        _response = response;
        _reader = reader;
    }

    public static async Task<NetmapReader> OpenAsync(ControlClient device, long? revision = null)
    {
        var res = await device.Http.GetAsync("/api/device/netmap" + (revision is null ? "" : $"?revision={revision}"), HttpCompletionOption.ResponseHeadersRead);
        Assert.True(res.IsSuccessStatusCode, res.StatusCode.ToString());
        Assert.Equal("application/x-ndjson", res.Content.Headers.ContentType?.MediaType);
        return new NetmapReader(res, new StreamReader(await res.Content.ReadAsStreamAsync()));
    }

    public async Task<NetmapMessage?> NextAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            var line = await _reader.ReadLineAsync(cts.Token);
            return line is null ? null : JsonSerializer.Deserialize(line, ContractsJsonContext.Default.NetmapMessage);
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
        _reader.Dispose();
        _response.Dispose();
        await Task.CompletedTask;
    }
}
