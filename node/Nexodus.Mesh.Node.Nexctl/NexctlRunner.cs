using System.Text.Json;
using Nexodus.Mesh.Node.LocalApi;

namespace Nexodus.Mesh.Node.Nexctl;

/// <summary>Runs one nexctl command: fetch from the local API, print JSON as received or as a table. Exit 0 ok, 1 failure.</summary>
internal static class NexctlRunner
{
    public static Task<int> StatusAsync(string socket, bool json, TextWriter output, CancellationToken cancel) =>
        RunAsync(socket, "/v1/status", json, output, body =>
        {
            var status = JsonSerializer.Deserialize(body, LocalApiJsonContext.Default.StatusResponse) ?? throw new JsonException("empty status");
            TablePrinter.Status(status, output);
        }, cancel);

    public static Task<int> PeersAsync(string socket, bool json, TextWriter output, CancellationToken cancel) =>
        RunAsync(socket, "/v1/peers", json, output, body =>
        {
            var peers = JsonSerializer.Deserialize(body, LocalApiJsonContext.Default.PeerResponseArray) ?? [];
            TablePrinter.Peers(peers, output);
        }, cancel);

    private static async Task<int> RunAsync(string socket, string path, bool json, TextWriter output, Action<string> print, CancellationToken cancel)
    {
        using var client = new LocalApiClient(socket);
        string body;
        try
        {
            body = await client.GetAsync(path, cancel);
        }
        catch (LocalApiException e)
        {
            Console.Error.WriteLine("nexctl: " + e.Message);
            return 1;
        }

        if (json)
        {
            output.WriteLine(body);
            return 0;
        }

        try
        {
            print(body);
            return 0;
        }
        catch (JsonException e)
        {
            // A newer or older nexd may answer differently; the raw JSON is still there with --json.
            Console.Error.WriteLine($"nexctl: cannot read nexd's answer ({e.Message}); try --json");
            return 1;
        }
    }
}
