using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nexodus.Mesh.Node.WireGuard;

namespace Nexodus.Mesh.Node.Uapi;

/// <summary>
/// Serves the UAPI on /var/run/wireguard/&lt;iface&gt;.sock so stock `wg` can show and set the engine.
/// Removes its socket file on dispose.
/// </summary>
internal sealed partial class UapiServer : IAsyncDisposable
{
    public const string DefaultDirectory = "/var/run/wireguard";
    private const int MaxLineLength = 4096;
    private const int MaxLines = 1 << 20;

    private readonly Socket _listener;
    private readonly UapiProtocol _protocol;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private readonly Lock _applySync = new();

    private UapiServer(Socket listener, string path, Device device, ILogger logger)
    {
        _listener = listener;
        SocketPath = path;
        _protocol = new UapiProtocol(device);
        _logger = logger;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    public string SocketPath { get; }

    public static UapiServer Start(string interfaceName, Device device, ILogger? logger = null, string directory = DefaultDirectory)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, interfaceName + ".sock");
        if (File.Exists(path))
        {
            using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                probe.Connect(new UnixDomainSocketEndPoint(path));
                throw new IOException($"{path} is in use by another process: interface {interfaceName} already exists");
            }
            catch (SocketException)
            {
                File.Delete(path); // stale socket from a crashed run
            }
        }

        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        listener.Listen(16);
        return new UapiServer(listener, path, device, logger ?? NullLogger.Instance);
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(Socket client)
    {
        using var _ = client;
        await using var stream = new NetworkStream(client, ownsSocket: false);
        using var reader = new StreamReader(stream, Encoding.ASCII);
        await using var writer = new StreamWriter(stream, new UTF8Encoding(false)) { NewLine = "\n", AutoFlush = false };
        try
        {
            while (true)
            {
                var op = await ReadLineAsync(reader);
                if (op is null)
                {
                    return;
                }

                switch (op)
                {
                    case "get=1":
                        if (await ReadBlockAsync(reader) is null)
                        {
                            return;
                        }

                        string dump;
                        lock (_applySync)
                        {
                            dump = _protocol.Get();
                        }

                        await writer.WriteAsync(dump);
                        break;
                    case "set=1":
                        var lines = await ReadBlockAsync(reader);
                        if (lines is null)
                        {
                            return;
                        }

                        (int Errno, string? Error) result;
                        lock (_applySync)
                        {
                            result = _protocol.Set(lines);
                        }

                        if (result.Error is not null)
                        {
                            Log.SetFailed(_logger, result.Error);
                        }

                        await writer.WriteAsync($"errno={result.Errno}\n\n");
                        break;
                    default:
                        await writer.WriteAsync($"errno={UapiProtocol.EINVAL}\n\n");
                        await writer.FlushAsync();
                        return;
                }

                await writer.FlushAsync();
            }
        }
        catch (Exception e) when (e is IOException or SocketException or InvalidDataException)
        {
            Log.ClientError(_logger, e.Message);
        }
    }

    /// <summary>Lines up to the blank line that ends an operation; null at end of stream.</summary>
    private static async Task<List<string>?> ReadBlockAsync(StreamReader reader)
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await ReadLineAsync(reader);
            if (line is null)
            {
                return null;
            }

            if (line.Length == 0)
            {
                return lines;
            }

            if (lines.Count >= MaxLines)
            {
                throw new InvalidDataException("too many lines in one UAPI operation");
            }

            lines.Add(line);
        }
    }

    private static async Task<string?> ReadLineAsync(StreamReader reader)
    {
        var line = await reader.ReadLineAsync();
        return line is { Length: > MaxLineLength } ? throw new InvalidDataException("UAPI line too long") : line;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        try
        {
            await _acceptLoop;
        }
        catch (OperationCanceledException)
        {
        }

        try
        {
            File.Delete(SocketPath);
        }
        catch (IOException)
        {
        }

        _stop.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "UAPI set rejected: {Reason}")]
        public static partial void SetFailed(ILogger logger, string reason);

        [LoggerMessage(Level = LogLevel.Debug, Message = "UAPI client error: {Reason}")]
        public static partial void ClientError(ILogger logger, string reason);
    }
}
