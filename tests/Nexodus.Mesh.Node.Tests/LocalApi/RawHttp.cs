using System.Net.Sockets;
using System.Text;

namespace Nexodus.Mesh.Node.Tests.LocalApi;

/// <summary>Bytes in, bytes out over a unix socket: what a broken or hostile client does, without HttpClient's help.</summary>
internal static class RawHttp
{
    /// <summary>
    /// Sends <paramref name="request"/> and reads one response (head plus Content-Length body) or until the server
    /// closes. No half-close: Kestrel takes a client's FIN as an abort, as a real HTTP client never sends one early.
    /// </summary>
    public static async Task<string> ExchangeAsync(string socketPath, byte[] request, TimeSpan timeout)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath));
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await socket.SendAsync(request, cts.Token);
        }
        catch (SocketException)
        {
            // The server may close on the first bad bytes while we still send; what it answered is what counts.
        }

        var received = new MemoryStream();
        var buffer = new byte[4096];
        try
        {
            while (!Complete(received))
            {
                var n = await socket.ReceiveAsync(buffer, cts.Token);
                if (n == 0)
                {
                    break;
                }

                received.Write(buffer, 0, n);
            }
        }
        catch (SocketException)
        {
            // Reset after a 400: the response (if any) is already in the buffer.
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no answer and no close within {timeout.TotalSeconds} s to: {Encoding.Latin1.GetString(request[..Math.Min(request.Length, 80)])}");
        }

        return Encoding.Latin1.GetString(received.ToArray());
    }

    private static bool Complete(MemoryStream received)
    {
        var text = Encoding.Latin1.GetString(received.GetBuffer(), 0, (int)received.Length);
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0)
        {
            return false;
        }

        foreach (var line in text[..end].Split("\r\n"))
        {
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            {
                return text.Length - end - 4 >= int.Parse(line.AsSpan(15).Trim(), System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return false; // chunked or close-delimited: read to the close
    }

    public static Task<string> GetAsync(string socketPath, string path) =>
        ExchangeAsync(socketPath, Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: nexd\r\nConnection: close\r\n\r\n"), TimeSpan.FromSeconds(10));

    /// <summary>The status code of the first response line, or null when the server just closed.</summary>
    public static int? StatusOf(string response)
    {
        if (!response.StartsWith("HTTP/1.1 ", StringComparison.Ordinal) || response.Length < 12)
        {
            return null;
        }

        return int.Parse(response.AsSpan(9, 3), System.Globalization.CultureInfo.InvariantCulture);
    }

    public static string BodyOf(string response)
    {
        var at = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        return at < 0 ? "" : response[(at + 4)..];
    }
}
