using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.Relay.Protocol;
using Nexodus.Mesh.Relay.Transport;

namespace Nexodus.Mesh.Relay.Client;

/// <summary>
/// A node's connection to one relay: handshake (proof of node-key possession + admission token), send/receive of
/// packets by node key, reconnect with backoff (immediately after a restarting frame's delay), keepalives, and
/// token refresh in place (<see cref="UpdateToken"/> sends a token-update frame; no reconnect needed).
/// The relay is lossy by design: <see cref="Send"/> drops when disconnected or when the queue is full.
/// </summary>
public sealed partial class RelayClient : IAsyncDisposable
{
    private readonly RelayClientOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly byte[] _scratch = new byte[ProtocolConstants.MaxPayloadSize];
    private readonly ConcurrentDictionary<ulong, TaskCompletionSource<bool>> _pings = new();
    private volatile FrameSender? _sender;
    private TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _loop;
    private TimeSpan? _restartDelay;
    private PublicKey _lastSource;
    private long _lastReceived;
    private int _connections;

    public RelayClient(RelayClientOptions options, ILogger? logger = null)
    {
        _options = options;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>A peer we sent to is not reachable through this relay (it left, or never was).</summary>
    public event Action<PublicKey, PeerGoneReason>? PeerGone;

    /// <summary>A peer sharing one of our VPCs became reachable through this relay (or its region's mesh).</summary>
    public event Action<PublicKey>? PeerPresent;

    /// <summary>The relay's health message ("" = healthy); also carries the reason of a refusal.</summary>
    public event Action<string>? HealthChanged;

    public event Action? Connected;

    public event Action<string>? Disconnected;

    public bool IsConnected => _sender is not null;

    /// <summary>The relay's static key as seen in the last handshake.</summary>
    public PublicKey ServerKey { get; private set; }

    /// <summary>How many times a session was established (1 + reconnects).</summary>
    public int ConnectionCount => Volatile.Read(ref _connections);

    /// <summary>Why the last attempt or session ended, for status output.</summary>
    public string? LastError { get; private set; }

    public PublicKey NodeKey => _options.NodeKey.PublicKey;

    /// <summary>Data packets waiting to be written to the relay (for callers that want back-pressure instead of drops).</summary>
    public int SendQueueDepth => _sender?.DataDepth ?? 0;

    public void Start() => _loop ??= Task.Run(() => RunAsync(_stop.Token));

    /// <summary>Completes when a session is established (now or after the next reconnect).</summary>
    public Task WaitConnectedAsync(CancellationToken cancellationToken) => Volatile.Read(ref _connected).Task.WaitAsync(cancellationToken);

    /// <summary>Queues a packet for <paramref name="destination"/>; false when not connected (dropped).</summary>
    public bool Send(PublicKey destination, ReadOnlySpan<byte> packet, PacketKind kind = PacketKind.Data) =>
        _sender is { } sender && sender.EnqueuePacket(FrameType.SendPacket, destination.Span, kind, packet);

    /// <summary>Presents a fresh admission token on the live session (refresh without reconnect).</summary>
    public bool UpdateToken(string token) =>
        _sender is { } sender && sender.EnqueueControl(new TextFrame(token).Encode(FrameType.TokenUpdate));

    /// <summary>Round trip to the relay (ping/pong frames), through the same queues as traffic.</summary>
    public async Task<TimeSpan> PingAsync(CancellationToken cancellationToken)
    {
        var sender = _sender ?? throw new InvalidOperationException("not connected to the relay");
        var data = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));
        var tcs = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pings[data] = tcs;
        var start = _options.Time.GetTimestamp();
        try
        {
            sender.EnqueueControl(new PingFrame(data).Encode(FrameType.Ping));
            await tcs.Task.WaitAsync(cancellationToken);
            return _options.Time.GetElapsedTime(start);
        }
        finally
        {
            _pings.TryRemove(data, out _);
        }
    }

    private async Task RunAsync(CancellationToken ct)
    {
        var attempt = 0;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await ConnectOnceAsync(ct);
                attempt = 0;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or System.Net.WebSockets.WebSocketException or RelayProtocolException
                or RelayRefusedException or System.Security.Authentication.AuthenticationException or OperationCanceledException or ObjectDisposedException or HttpRequestException)
            {
                LastError = e.Message;
                Log.ConnectFailed(_logger, _options.Url, e.Message);
            }

            var delay = _restartDelay ?? Backoff(attempt++);
            _restartDelay = null;
            try
            {
                await Task.Delay(delay, _options.Time, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private TimeSpan Backoff(int attempt)
    {
        var baseDelay = Math.Min(_options.ReconnectMin.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 16)), _options.ReconnectMax.TotalMilliseconds);
        var jitter = 0.8 + (Random.Shared.NextDouble() * 0.4);
        return TimeSpan.FromMilliseconds(baseDelay * jitter);
    }

    private async Task ConnectOnceAsync(CancellationToken ct)
    {
        using var handshake = CancellationTokenSource.CreateLinkedTokenSource(ct);
        handshake.CancelAfter(_options.HandshakeTimeout);
        await using var stream = await RelayDialer.ConnectAsync(_options.Url, _options.Transport, _options.Trust, handshake.Token, _options.SocketFactory);
        var reader = FrameStreamReader.Create(stream);
        try
        {
            var (type, payload) = await FrameStreamReader.ReadOneAsync(reader, handshake.Token);
            if (type == FrameType.Health)
            {
                // Refused before the handshake (e.g. the relay is at its cap of unauthenticated connections).
                var busy = TextFrame.Read(payload, ProtocolConstants.MaxPayloadSize).Text;
                HealthChanged?.Invoke(busy);
                throw new RelayRefusedException("relay refused: " + busy);
            }

            if (type != FrameType.ServerKey)
            {
                throw new RelayProtocolException($"relay sent 0x{(byte)type:x2} instead of server-key");
            }

            var serverKey = ServerKeyFrame.Read(payload);
            if (_options.ExpectedServerKey is { } expected && expected != serverKey.ServerKey)
            {
                throw new RelayRefusedException($"relay presented key {serverKey.ServerKey} but the relay map says {expected}");
            }

            var token = await _options.TokenProvider(handshake.Token);
            var info = ClientInfoFrame.Create(_options.NodeKey, serverKey.ServerKey, new ClientInfoPlaintext(ProtocolConstants.Version, serverKey.Challenge, token));
            await stream.WriteAsync(info.Encode(), handshake.Token);
            await stream.FlushAsync(handshake.Token);
            (type, payload) = await FrameStreamReader.ReadOneAsync(reader, handshake.Token);
            if (type == FrameType.Health)
            {
                var reason = TextFrame.Read(payload, ProtocolConstants.MaxPayloadSize).Text;
                HealthChanged?.Invoke(reason);
                throw new RelayRefusedException("relay refused: " + reason);
            }

            if (type != FrameType.ServerInfo)
            {
                throw new RelayProtocolException($"relay sent 0x{(byte)type:x2} instead of server-info");
            }

            var serverInfo = ServerInfoFrame.Read(payload);
            ServerKey = serverKey.ServerKey;
            await RunSessionAsync(stream, reader, serverInfo.KeepAlive, ct);
        }
        finally
        {
            await reader.CompleteAsync();
        }
    }

    private async Task RunSessionAsync(Stream stream, PipeReader reader, TimeSpan keepAlive, CancellationToken ct)
    {
        using var end = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var sender = new FrameSender(stream, _options.SendQueueSize, 64);
        var writer = sender.RunAsync(end.Token);
        _lastReceived = _options.Time.GetTimestamp();
        var timers = KeepAliveAsync(sender, keepAlive, end);
        _sender = sender;
        Interlocked.Increment(ref _connections);
        Volatile.Read(ref _connected).TrySetResult();
        LastError = null;
        Log.Connected(_logger, _options.Url);
        Connected?.Invoke();
        var reason = "relay closed the connection";
        try
        {
            await ReadLoopAsync(reader, end.Token);
        }
        catch (Exception e) when (e is IOException or System.Net.WebSockets.WebSocketException or RelayProtocolException or ObjectDisposedException
            or OperationCanceledException)
        {
            reason = e is OperationCanceledException && !ct.IsCancellationRequested ? "relay went silent (no keepalive)" : e.Message;
            if (ct.IsCancellationRequested)
            {
                throw;
            }
        }
        finally
        {
            _sender = null;
            Interlocked.Exchange(ref _connected, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            await end.CancelAsync();
            sender.Close();
            try
            {
                await Task.WhenAll(writer, timers);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException or System.Net.WebSockets.WebSocketException or InvalidOperationException)
            {
            }

            LastError = reason;
            Disconnected?.Invoke(reason);
        }
    }

    private async Task KeepAliveAsync(FrameSender sender, TimeSpan interval, CancellationTokenSource end)
    {
        interval = interval <= TimeSpan.Zero ? TimeSpan.FromSeconds(30) : interval;
        while (!end.IsCancellationRequested)
        {
            await Task.Delay(interval, _options.Time, end.Token);
            sender.EnqueueControl(SimpleFrames.KeepAlive);
            if (_options.Time.GetElapsedTime(Interlocked.Read(ref _lastReceived)) > interval * 3)
            {
                await end.CancelAsync();
                return;
            }
        }
    }

    private async Task ReadLoopAsync(PipeReader reader, CancellationToken ct)
    {
        while (true)
        {
            var result = await reader.ReadAsync(ct);
            var buffer = result.Buffer;
            var any = false;
            var stop = false;
            while (!stop && FrameReader.TryReadFrame(ref buffer, out var type, out var payload))
            {
                any = true;
                stop = HandleFrame(type, FrameStreamReader.Contiguous(payload, _scratch));
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
            if (any)
            {
                Interlocked.Exchange(ref _lastReceived, _options.Time.GetTimestamp());
            }

            if (stop)
            {
                return;
            }

            if (result.IsCompleted)
            {
                throw new IOException("relay closed the connection");
            }
        }
    }

    /// <summary>Handles one frame; true when the session should end (relay restarting).</summary>
    private bool HandleFrame(FrameType type, ReadOnlySpan<byte> payload)
    {
        switch (type)
        {
            case FrameType.RecvPacket:
                var frame = PacketFrame.Read(payload);
                if (_lastSource.IsEmpty || !frame.Key.SequenceEqual(_lastSource.Span))
                {
                    _lastSource = PublicKey.FromBytes(frame.Key);
                }

                _options.OnPacket?.Invoke(_lastSource, frame.Packet, frame.Kind);
                break;
            case FrameType.PeerGone:
                var gone = PeerGoneFrame.Read(payload);
                PeerGone?.Invoke(gone.Key, gone.Reason);
                break;
            case FrameType.PeerPresent:
                PeerPresent?.Invoke(KeyFrame.Read(payload).Key);
                break;
            case FrameType.Health:
                HealthChanged?.Invoke(TextFrame.Read(payload, ProtocolConstants.MaxPayloadSize).Text);
                break;
            case FrameType.Restarting:
                var restarting = RestartingFrame.Read(payload);
                _restartDelay = restarting.ReconnectIn;
                LastError = "relay is restarting";
                return true;
            case FrameType.Ping:
                _sender?.EnqueueControl(new PingFrame(PingFrame.Read(payload).Data).Encode(FrameType.Pong));
                break;
            case FrameType.Pong:
                if (_pings.TryGetValue(PingFrame.Read(payload).Data, out var tcs))
                {
                    tcs.TrySetResult(true);
                }

                break;
            default:
                // keepalive, server-info repeats, and frame types from newer relays: nothing to do.
                break;
        }

        return false;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_loop is not null)
        {
            try
            {
                await _loop;
            }
            catch (OperationCanceledException)
            {
            }
        }

        _stop.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Debug, Message = "Connected to relay {Url}")]
        public static partial void Connected(ILogger logger, Uri url);

        [LoggerMessage(Level = LogLevel.Debug, Message = "Relay {Url}: {Reason}")]
        public static partial void ConnectFailed(ILogger logger, Uri url, string reason);
    }
}
