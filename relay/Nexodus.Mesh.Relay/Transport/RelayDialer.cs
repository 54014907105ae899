using System.Net.Security;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Nexodus.Mesh.Relay.Protocol;

namespace Nexodus.Mesh.Relay.Transport;

/// <summary>Opens the byte stream to a relay's <c>/relay</c> endpoint (TLS unless the URL is http://).</summary>
internal static class RelayDialer
{
    private const int MaxResponseHeader = 8 * 1024;

    public static async Task<Stream> ConnectAsync(Uri uri, RelayTransport transport, TlsTrust trust, CancellationToken cancellationToken, Func<Socket>? socketFactory = null)
    {
        if (uri.Scheme is not ("https" or "http"))
        {
            throw new ArgumentException($"relay URL {uri} must be https:// (or http:// for tests)", nameof(uri));
        }

        return transport == RelayTransport.WebSocket
            ? await ConnectWebSocketAsync(uri, trust, cancellationToken)
            : await ConnectUpgradeAsync(uri, trust, socketFactory, cancellationToken);
    }

    private static async Task<Stream> ConnectWebSocketAsync(Uri uri, TlsTrust trust, CancellationToken cancellationToken)
    {
        var ws = new ClientWebSocket();
        ws.Options.AddSubProtocol(ProtocolConstants.UpgradeToken);
        ws.Options.KeepAliveInterval = Timeout.InfiniteTimeSpan;
        ws.Options.RemoteCertificateValidationCallback = (_, cert, _, errors) => trust.Validate(cert, errors);
        var builder = new UriBuilder(uri) { Scheme = uri.Scheme == "https" ? "wss" : "ws" };
        try
        {
            await ws.ConnectAsync(builder.Uri, cancellationToken);
        }
        catch
        {
            ws.Dispose();
            throw;
        }

        return WebSocketStream.Create(ws, WebSocketMessageType.Binary, ownsWebSocket: true);
    }

    private static async Task<Stream> ConnectUpgradeAsync(Uri uri, TlsTrust trust, Func<Socket>? socketFactory, CancellationToken cancellationToken)
    {
        var socket = socketFactory?.Invoke() ?? new Socket(SocketType.Stream, ProtocolType.Tcp);
        socket.NoDelay = true;
        Stream stream;
        try
        {
            await socket.ConnectAsync(uri.DnsSafeHost, uri.Port, cancellationToken);
            stream = new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        try
        {
            if (uri.Scheme == "https")
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = ssl;
                await ssl.AuthenticateAsClientAsync(
                    new SslClientAuthenticationOptions
                    {
                        TargetHost = uri.IdnHost,
                        RemoteCertificateValidationCallback = (_, cert, _, errors) => trust.Validate(cert, errors),
                    },
                    cancellationToken);
            }

            var request = $"GET {uri.PathAndQuery} HTTP/1.1\r\nHost: {uri.Authority}\r\nConnection: Upgrade\r\nUpgrade: {ProtocolConstants.UpgradeToken}\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(request), cancellationToken);
            await stream.FlushAsync(cancellationToken);
            var status = await ReadResponseHeadAsync(stream, cancellationToken);
            if (!status.StartsWith("HTTP/1.1 101", StringComparison.Ordinal))
            {
                throw new IOException($"relay at {uri} refused the upgrade: {status}");
            }

            return stream;
        }
        catch
        {
            await stream.DisposeAsync();
            throw;
        }
    }

    // Byte-at-a-time so not one byte of the frames that follow the 101 is consumed here; the head is tiny.
    private static async Task<string> ReadResponseHeadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var head = new byte[MaxResponseHeader];
        var length = 0;
        while (length < head.Length)
        {
            var read = await stream.ReadAsync(head.AsMemory(length, 1), cancellationToken);
            if (read == 0)
            {
                throw new IOException("relay closed the connection during the HTTP upgrade");
            }

            length++;
            if (length >= 4 && head[length - 4] == '\r' && head[length - 3] == '\n' && head[length - 2] == '\r' && head[length - 1] == '\n')
            {
                var text = Encoding.ASCII.GetString(head, 0, length);
                return text[..text.IndexOf('\r', StringComparison.Ordinal)];
            }
        }

        throw new IOException("relay's HTTP upgrade response head is too large");
    }
}
