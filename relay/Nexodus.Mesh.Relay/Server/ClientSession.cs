using System.Buffers;
using System.IO.Pipelines;
using Microsoft.Extensions.Logging;
using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.Relay.Admission;
using Nexodus.Mesh.Relay.Protocol;
using Nexodus.Mesh.Relay.Transport;

namespace Nexodus.Mesh.Relay.Server;

/// <summary>
/// One admitted node connected to this relay: reads its frames, routes its packets to keys that share a VPC with
/// it, and owns the queues of packets waiting to be written to it.
/// </summary>
internal sealed partial class ClientSession : PeerRoute
{
    private static readonly TimeSpan PeerGoneRepeat = TimeSpan.FromSeconds(1);
    private readonly RelayServer _server;
    private readonly TokenBucket? _bucket;
    private readonly byte[] _keyBytes;
    private readonly byte[] _scratch = new byte[ProtocolConstants.MaxPayloadSize];
    private readonly CancellationTokenSource _end = new();
    private volatile Admission.Admission _admission;
    private long _lastReceived;
    private PeerRoute? _lastRoute;
    private byte[]? _lastGoneKey;
    private long _lastGoneAt;
    private string? _pendingToken;
    private string _endReason = "closed";

    // Forwarded packets/bytes of the current read, added to the shared counters once per read instead of per packet.
    private long _localPackets;
    private long _localBytes;
    private long _meshPackets;
    private long _meshBytes;

    public ClientSession(RelayServer server, PublicKey key, Admission.Admission admission, Stream stream)
        : base(key)
    {
        _server = server;
        _admission = admission;
        _keyBytes = key.Span.ToArray();
        var options = server.Options;
        Sender = new FrameSender(stream, options.DataQueueSize, options.DiscoQueueSize, lane => (lane == OutboundLane.Disco ? server.Metrics.DropQueueDisco : server.Metrics.DropQueueData).Inc());
        if (options.RateBytesPerSecond > 0)
        {
            _bucket = new TokenBucket(options.RateBytesPerSecond, options.RateBurstBytes, server.Time);
        }

        // Server-info must be the first frame the client sees. It is queued here, before the session is registered in
        // the peer table: from that moment other joins queue peer-present frames for it, and a client that gets one
        // before server-info fails its handshake.
        Sender.EnqueueControl(new ServerInfoFrame(ProtocolConstants.Version, options.KeepAlive).Encode());
    }

    public FrameSender Sender { get; }

    public override Guid[] Vpcs => _admission.Vpcs;

    public override bool Deliver(ReadOnlySpan<byte> sourceKey, PacketKind kind, ReadOnlySpan<byte> packet) =>
        Sender.EnqueuePacket(FrameType.RecvPacket, sourceKey, kind, packet);

    /// <summary>A newer connection for the same key took over: say so, then close once the queue is written.</summary>
    public void Replace()
    {
        _endReason = "replaced by a newer connection for the same node key";
        Sender.EnqueueControl(new TextFrame("replaced: another connection for this node key is now active").Encode(FrameType.Health));
        CloseAfterDrain();
    }

    /// <summary>Ends the session (relay shutdown); <paramref name="goodbye"/> is written first if given.</summary>
    public void End(byte[]? goodbye, string reason)
    {
        _endReason = reason;
        if (goodbye is not null)
        {
            Sender.EnqueueControl(goodbye);
            CloseAfterDrain();
        }
        else
        {
            try
            {
                _end.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    private void CloseAfterDrain()
    {
        // Give the writer a moment to flush the last frames; a stuck reader must not keep the session alive.
        _ = Task.Delay(TimeSpan.FromMilliseconds(200), TimeProvider.System).ContinueWith(
            _ =>
            {
                try
                {
                    _end.Cancel();
                }
                catch (ObjectDisposedException)
                {
                    // The session already ended on its own.
                }
            },
            TaskScheduler.Default);
    }

    public async Task RunAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _end.Token);
        var ct = linked.Token;
        _lastReceived = _server.Time.GetTimestamp();
        var writer = Sender.RunAsync(ct);
        var timers = TimersAsync(ct);
        try
        {
            await ReadLoopAsync(reader, ct);
        }
        catch (RelayProtocolException e)
        {
            _endReason = "protocol violation: " + e.Reason;
            _server.Metrics.ProtocolErrors.Inc();
            Sender.EnqueueControl(new TextFrame("protocol violation: " + e.Reason).Encode(FrameType.Health));
            await Task.WhenAny(Task.Delay(TimeSpan.FromMilliseconds(100), TimeProvider.System, CancellationToken.None), writer);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or System.Net.WebSockets.WebSocketException or ObjectDisposedException)
        {
        }
        finally
        {
            PublishCounts();
            await _end.CancelAsync();
            Sender.Close();
            await IgnoreAsync(writer);
            await IgnoreAsync(timers);
            _server.OnSessionEnded(this);
            Log.Ended(_server.Logger, Key.Fingerprint(), _endReason);
            _end.Dispose();
        }
    }

    private static async Task IgnoreAsync(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or System.Net.WebSockets.WebSocketException or ObjectDisposedException or InvalidOperationException)
        {
        }
    }

    private async Task ReadLoopAsync(PipeReader reader, CancellationToken ct)
    {
        while (true)
        {
            var result = await reader.ReadAsync(ct);
            var buffer = result.Buffer;
            var consumed = 0;
            while (FrameReader.TryReadFrame(ref buffer, out var type, out var payload))
            {
                consumed += ProtocolConstants.HeaderSize + (int)payload.Length;
                HandleFrame(type, FrameStreamReader.Contiguous(payload, _scratch));
                if (_pendingToken is not null)
                {
                    break;
                }
            }

            // After an early break (token update) the rest is unexamined, so the next read returns it at once
            // instead of waiting for more bytes.
            reader.AdvanceTo(buffer.Start, _pendingToken is null ? buffer.End : buffer.Start);
            PublishCounts();
            if (consumed > 0)
            {
                Interlocked.Exchange(ref _lastReceived, _server.Time.GetTimestamp());
            }

            if (_pendingToken is { } token)
            {
                _pendingToken = null;
                await RefreshAdmissionAsync(token, ct);
            }

            if (result.IsCompleted)
            {
                _endReason = "client closed the connection";
                return;
            }

            if (_bucket is not null && consumed > 0)
            {
                var wait = _bucket.Consume(consumed);
                if (wait > TimeSpan.Zero)
                {
                    _server.Metrics.ThrottleSeconds.Inc(wait.TotalSeconds);
                    await Task.Delay(wait, _server.Time, ct);
                }
            }
        }
    }

    private void HandleFrame(FrameType type, ReadOnlySpan<byte> payload)
    {
        switch (type)
        {
            case FrameType.SendPacket:
                var frame = PacketFrame.Read(payload);
                if (frame.Packet.Length > ProtocolConstants.MaxPacketSize)
                {
                    throw new RelayProtocolException($"packet of {frame.Packet.Length} bytes exceeds {ProtocolConstants.MaxPacketSize}");
                }

                Route(frame.Key, frame.Kind, frame.Packet);
                break;
            case FrameType.KeepAlive:
            case FrameType.Pong:
                break;
            case FrameType.Ping:
                Sender.EnqueueControl(new PingFrame(PingFrame.Read(payload).Data).Encode(FrameType.Pong));
                break;
            case FrameType.TokenUpdate:
                _pendingToken = TextFrame.Read(payload, ProtocolConstants.MaxTokenSize).Text;
                break;
            case FrameType.ServerKey or FrameType.ClientInfo or FrameType.ServerInfo or FrameType.RecvPacket or FrameType.PeerGone
                or FrameType.PeerPresent or FrameType.Health or FrameType.Restarting or FrameType.MeshHello or FrameType.MeshPeerPresent
                or FrameType.MeshPeerGone or FrameType.ForwardPacket:
                throw new RelayProtocolException($"a client may not send {type} frames");
            default:
                // Unknown frame types are skipped by length: newer clients may send frames we do not know yet.
                break;
        }
    }

    private void Route(ReadOnlySpan<byte> destination, PacketKind kind, ReadOnlySpan<byte> packet)
    {
        var metrics = _server.Metrics;
        if (!_server.Table.TryFind(destination, out var route))
        {
            metrics.DropNoRoute.Inc();
            ReplyGone(destination);
            return;
        }

        if (!route.SharesVpcWith(_admission.Vpcs))
        {
            // Reported exactly like an absent key: the relay must not reveal who is online in other VPCs.
            metrics.DropNoSharedVpc.Inc();
            ReplyGone(destination);
            return;
        }

        if (!ReferenceEquals(route, _lastRoute))
        {
            route.NoteSender(Key);
            _lastRoute = route;
        }

        if (route.Deliver(_keyBytes, kind, packet))
        {
            if (route is ClientSession)
            {
                _localPackets++;
                _localBytes += packet.Length;
            }
            else
            {
                _meshPackets++;
                _meshBytes += packet.Length;
            }
        }
    }

    private void PublishCounts()
    {
        var metrics = _server.Metrics;
        if (_localPackets > 0)
        {
            metrics.LocalPackets.Inc(_localPackets);
            metrics.LocalBytes.Inc(_localBytes);
            _localPackets = _localBytes = 0;
        }

        if (_meshPackets > 0)
        {
            metrics.MeshOutPackets.Inc(_meshPackets);
            metrics.MeshOutBytes.Inc(_meshBytes);
            _meshPackets = _meshBytes = 0;
        }
    }

    private void ReplyGone(ReadOnlySpan<byte> destination)
    {
        // At most one peer-gone per destination per second, so a sender blasting at an absent key gets told, not flooded.
        var now = _server.Time.GetTimestamp();
        if (_lastGoneKey is not null && destination.SequenceEqual(_lastGoneKey) && _server.Time.GetElapsedTime(_lastGoneAt, now) < PeerGoneRepeat)
        {
            return;
        }

        _lastGoneKey = destination.ToArray();
        _lastGoneAt = now;
        Sender.EnqueueControl(PeerGoneFrame.Encode(destination, PeerGoneReason.NotHere));
    }

    private async Task RefreshAdmissionAsync(string token, CancellationToken ct)
    {
        Admission.Admission admission;
        try
        {
            admission = await _server.Validator.ValidateAsync(token, Key, ct);
        }
        catch (AdmissionException e)
        {
            _server.Metrics.AuthFailures.WithLabels("token_refresh").Inc();
            throw new RelayProtocolException("token update refused: " + e.Message);
        }

        var vpcsChanged = !SameVpcs(admission.Vpcs, _admission.Vpcs);
        _admission = admission;
        _lastRoute = null;
        if (vpcsChanged)
        {
            _server.Table.AnnounceToMesh(this);
        }

        Log.TokenRefreshed(_server.Logger, Key.Fingerprint(), admission.Expires);
    }

    private static bool SameVpcs(Guid[] a, Guid[] b) => a.AsSpan().SequenceEqual(b);

    private async Task TimersAsync(CancellationToken ct)
    {
        var keepAlive = _server.Options.KeepAlive;
        while (!ct.IsCancellationRequested)
        {
            await Task.Delay(keepAlive, _server.Time, ct);
            Sender.EnqueueControl(SimpleFrames.KeepAlive);
            if (_admission.Expires + AdmissionValidator.ClockSkew < _server.Time.GetUtcNow())
            {
                _server.Metrics.AuthFailures.WithLabels("token_expired_in_session").Inc();
                End(new TextFrame("admission token expired: present a new token (token-update frame) or reconnect").Encode(FrameType.Health), "admission expired");
                return;
            }

            if (_server.Time.GetElapsedTime(Interlocked.Read(ref _lastReceived)) > keepAlive * 3)
            {
                _endReason = "idle: nothing received for three keepalive intervals";
                await _end.CancelAsync();
                return;
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Debug, Message = "Client {Key} session ended: {Reason}")]
        public static partial void Ended(ILogger logger, string key, string reason);

        [LoggerMessage(Level = LogLevel.Debug, Message = "Client {Key} refreshed its admission until {Expires}")]
        public static partial void TokenRefreshed(ILogger logger, string key, DateTimeOffset expires);
    }
}
