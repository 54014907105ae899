using System.IO.Pipelines;
using Microsoft.Extensions.Logging;
using Nexodus.Mesh.Relay.Admission;
using Nexodus.Mesh.Relay.Protocol;
using Nexodus.Mesh.Relay.Server;
using Nexodus.Mesh.Relay.Transport;

namespace Nexodus.Mesh.Relay.Mesh;

/// <summary>
/// Our connection to another relay of the region: proves the mesh key, learns which keys are connected there
/// (mesh-peer-present/gone) and carries our clients' packets to them as forward-packet frames. Reconnects with
/// backoff; when it drops, every key learned through it is forgotten and their senders are told.
/// </summary>
internal sealed partial class MeshLink
{
    private readonly RelayServer _server;
    private readonly Uri _peer;
    private readonly byte[] _scratch = new byte[ProtocolConstants.MaxPayloadSize];

    public MeshLink(RelayServer server, Uri peer)
    {
        _server = server;
        _peer = peer;
    }

    /// <summary>The current connection's sender, or null while disconnected.</summary>
    public FrameSender? Sender { get; private set; }

    public async Task RunAsync(CancellationToken ct)
    {
        var delay = _server.Options.MeshRetryMin;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var keepGoing = await ConnectOnceAsync(ct);
                if (!keepGoing)
                {
                    return;
                }

                delay = _server.Options.MeshRetryMin;
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or System.Net.WebSockets.WebSocketException or RelayProtocolException or AdmissionException or System.Security.Authentication.AuthenticationException or EndOfStreamException or ObjectDisposedException or HttpRequestException)
            {
                Log.LinkFailed(_server.Logger, _peer, e.Message);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }

            try
            {
                await Task.Delay(delay, _server.Time, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _server.Options.MeshRetryMax.Ticks));
        }
    }

    /// <summary>One connection's life; false when the peer turned out to be this relay itself (stop dialing it).</summary>
    private async Task<bool> ConnectOnceAsync(CancellationToken ct)
    {
        await using var stream = await RelayDialer.ConnectAsync(_peer, RelayTransport.Upgrade, _server.Options.MeshTrust, ct);
        var reader = FrameStreamReader.Create(stream);
        try
        {
            using var handshakeTimeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            handshakeTimeout.CancelAfter(_server.Options.HandshakeTimeout);
            var (type, payload) = await FrameStreamReader.ReadOneAsync(reader, handshakeTimeout.Token);
            if (type != FrameType.ServerKey)
            {
                throw new RelayProtocolException($"mesh peer sent 0x{(byte)type:x2} instead of server-key");
            }

            var serverKey = ServerKeyFrame.Read(payload);
            if (serverKey.ServerKey == _server.PublicKey)
            {
                Log.SelfPeer(_server.Logger, _peer);
                return false;
            }

            var proof = MeshHelloFrame.ComputeProof(_server.Options.MeshKey!, serverKey.Challenge, _server.PublicKey, serverKey.ServerKey);
            await stream.WriteAsync(new MeshHelloFrame(_server.PublicKey, proof, _server.Options.Region).Encode(), ct);
            await stream.FlushAsync(ct);
            (type, payload) = await FrameStreamReader.ReadOneAsync(reader, handshakeTimeout.Token);
            if (type == FrameType.Health)
            {
                throw new AdmissionException("mesh peer refused us: " + TextFrame.Read(payload, ProtocolConstants.MaxPayloadSize).Text);
            }

            if (type != FrameType.ServerInfo)
            {
                throw new RelayProtocolException($"mesh peer sent 0x{(byte)type:x2} instead of server-info");
            }

            var info = ServerInfoFrame.Read(payload);
            Log.LinkUp(_server.Logger, _peer);
            return await RunConnectedAsync(stream, reader, info.KeepAlive, ct);
        }
        finally
        {
            await reader.CompleteAsync();
        }
    }

    private async Task<bool> RunConnectedAsync(Stream stream, PipeReader reader, TimeSpan keepAlive, CancellationToken ct)
    {
        using var end = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var sender = new FrameSender(stream, 8192, 1024, lane => _server.Metrics.Drops.WithLabels(lane == OutboundLane.Disco ? "mesh_queue_disco" : "mesh_queue_data").Inc());
        Sender = sender;
        _server.Metrics.Connections.WithLabels("mesh_out").Inc();
        var writer = sender.RunAsync(end.Token);
        var keepAliveTask = KeepAliveAsync(sender, keepAlive, end.Token);
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(end.Token);
                var buffer = result.Buffer;
                while (FrameReader.TryReadFrame(ref buffer, out var type, out var payload))
                {
                    HandleFrame(type, FrameStreamReader.Contiguous(payload, _scratch), sender);
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    Log.LinkFailed(_server.Logger, _peer, "peer closed the connection");
                    return true;
                }
            }
        }
        finally
        {
            Sender = null;
            await end.CancelAsync();
            sender.Close();
            _server.Table.RemoveAllRemote(this);
            _server.Metrics.Connections.WithLabels("mesh_out").Dec();
            try
            {
                await Task.WhenAll(writer, keepAliveTask);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException or InvalidOperationException)
            {
            }
        }
    }

    private async Task KeepAliveAsync(FrameSender sender, TimeSpan interval, CancellationToken ct)
    {
        interval = interval <= TimeSpan.Zero ? _server.Options.KeepAlive : interval;
        while (!ct.IsCancellationRequested)
        {
            await Task.Delay(interval, _server.Time, ct);
            sender.EnqueueControl(SimpleFrames.KeepAlive);
        }
    }

    private void HandleFrame(FrameType type, ReadOnlySpan<byte> payload, FrameSender sender)
    {
        switch (type)
        {
            case FrameType.MeshPeerPresent:
                var present = MeshPeerPresentFrame.Read(payload);
                _server.Table.AddRemote(new RemotePeer(present.Key, present.Vpcs, this));
                break;
            case FrameType.MeshPeerGone:
                _server.Table.RemoveRemote(KeyFrame.Read(payload).Key, this);
                break;
            case FrameType.Ping:
                sender.EnqueueControl(new PingFrame(PingFrame.Read(payload).Data).Encode(FrameType.Pong));
                break;
            case FrameType.Health:
                Log.PeerHealth(_server.Logger, _peer, TextFrame.Read(payload, ProtocolConstants.MaxPayloadSize).Text);
                break;
            case FrameType.Restarting:
                throw new IOException("mesh peer is restarting");
            default:
                break;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Mesh link to {Peer} is up")]
        public static partial void LinkUp(ILogger logger, Uri peer);

        [LoggerMessage(Level = LogLevel.Information, Message = "Mesh link to {Peer} failed: {Reason}")]
        public static partial void LinkFailed(ILogger logger, Uri peer, string reason);

        [LoggerMessage(Level = LogLevel.Information, Message = "Mesh peer {Peer} is this relay itself; not dialing it")]
        public static partial void SelfPeer(ILogger logger, Uri peer);

        [LoggerMessage(Level = LogLevel.Information, Message = "Mesh peer {Peer} reports: {Health}")]
        public static partial void PeerHealth(ILogger logger, Uri peer, string health);
    }
}
