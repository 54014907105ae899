using System.IO.Pipelines;
using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.Relay.Protocol;
using Nexodus.Mesh.Relay.Server;
using Nexodus.Mesh.Relay.Transport;

namespace Nexodus.Mesh.Relay.Mesh;

/// <summary>
/// Another relay of the region connected to us (it dialed, proved the mesh key). We tell it which keys are here and
/// accept forward-packet frames for them. Packets from a mesh peer are only ever delivered to local clients, never
/// forwarded again, so a packet makes at most one relay-to-relay hop.
/// </summary>
internal sealed class MeshSession
{
    private readonly RelayServer _server;
    private readonly byte[] _scratch = new byte[ProtocolConstants.MaxPayloadSize];

    public MeshSession(RelayServer server, PublicKey relayKey, Stream stream)
    {
        _server = server;
        RelayKey = relayKey;
        Sender = new FrameSender(stream, 8192, 1024, lane => server.Metrics.Drops.WithLabels(lane == OutboundLane.Disco ? "mesh_queue_disco" : "mesh_queue_data").Inc());
    }

    public PublicKey RelayKey { get; }

    public FrameSender Sender { get; }

    public async Task RunAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        using var end = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Sender.EnqueueControl(new ServerInfoFrame(ProtocolConstants.Version, _server.Options.KeepAlive).Encode());
        _server.Table.AddWatcher(this);
        var writer = Sender.RunAsync(end.Token);
        var keepAlive = KeepAliveAsync(end.Token);
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(end.Token);
                var buffer = result.Buffer;
                while (FrameReader.TryReadFrame(ref buffer, out var type, out var payload))
                {
                    HandleFrame(type, FrameStreamReader.Contiguous(payload, _scratch));
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    return;
                }
            }
        }
        catch (RelayProtocolException)
        {
            _server.Metrics.ProtocolErrors.Inc();
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or System.Net.WebSockets.WebSocketException or ObjectDisposedException)
        {
        }
        finally
        {
            await end.CancelAsync();
            Sender.Close();
            _server.OnMeshSessionEnded(this);
            try
            {
                await Task.WhenAll(writer, keepAlive);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or System.Net.WebSockets.WebSocketException or ObjectDisposedException or InvalidOperationException)
            {
            }
        }
    }

    private async Task KeepAliveAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            await Task.Delay(_server.Options.KeepAlive, _server.Time, ct);
            Sender.EnqueueControl(SimpleFrames.KeepAlive);
        }
    }

    private void HandleFrame(FrameType type, ReadOnlySpan<byte> payload)
    {
        switch (type)
        {
            case FrameType.ForwardPacket:
                Deliver(ForwardPacketFrame.Read(payload));
                break;
            case FrameType.Ping:
                Sender.EnqueueControl(new PingFrame(PingFrame.Read(payload).Data).Encode(FrameType.Pong));
                break;
            case FrameType.KeepAlive or FrameType.Pong:
                break;
            case FrameType.SendPacket or FrameType.ClientInfo or FrameType.TokenUpdate or FrameType.MeshHello:
                throw new RelayProtocolException($"a mesh peer may not send {type} frames");
            default:
                break;
        }
    }

    private void Deliver(ForwardPacketFrame frame)
    {
        var metrics = _server.Metrics;
        if (!_server.Table.TryFindLocal(frame.Destination, out var destination))
        {
            // Not connected here (any more): drop. Re-forwarding would allow loops between relays.
            metrics.Drops.WithLabels("mesh_not_local").Inc();
            return;
        }

        if (!_server.Table.TryFindRemote(frame.Source, out var source))
        {
            metrics.Drops.WithLabels("mesh_unknown_source").Inc();
            return;
        }

        if (!source.SharesVpcWith(destination.Vpcs))
        {
            metrics.Drops.WithLabels("no_shared_vpc").Inc();
            return;
        }

        if (destination.Deliver(frame.Source, frame.Kind, frame.Packet))
        {
            metrics.MeshInPackets.Inc();
            metrics.MeshInBytes.Inc(frame.Packet.Length);
        }
    }
}
