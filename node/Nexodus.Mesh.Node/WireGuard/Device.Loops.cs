using System.Buffers;
using System.Threading.Channels;
using Nexodus.Mesh.Core.Net;

namespace Nexodus.Mesh.Node.WireGuard;

/// <summary>The long-running loops: bind receivers, TUN reader, handshake worker.</summary>
internal sealed partial class Device
{
    /// <summary>Largest IP packet a TUN read may return.</summary>
    private const int MaxPacketSize = 65535;

    private readonly List<Thread> _receivers = [];
    private Channel<HandshakeWork> _handshakes = null!;
    private Thread? _tunReader;
    private Task? _handshakeWorker;

    private readonly record struct HandshakeWork(byte[] Buffer, int Length, Endpoint From);

    private void InitQueues() =>
        _handshakes = Channel.CreateBounded<HandshakeWork>(new BoundedChannelOptions(Options.HandshakeQueueSize)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });

    private void StartLoops()
    {
        StartReceivers();
        _tunReader = new Thread(TunReadLoop) { IsBackground = true, Name = "wg-tun-read" };
        _tunReader.Start();
        _handshakeWorker = Task.Run(HandshakeLoopAsync);
    }

    private void StartReceivers()
    {
        for (var i = 0; i < Bind.ReceiverCount; i++)
        {
            var index = i;
            var thread = new Thread(() => ReceiveLoop(index)) { IsBackground = true, Name = "wg-receive-" + i };
            _receivers.Add(thread);
            thread.Start();
        }
    }

    private void StopReceivers()
    {
        Bind.Close();
        foreach (var t in _receivers)
        {
            t.Join(TimeSpan.FromSeconds(5));
        }

        _receivers.Clear();
    }

    private void StopLoops()
    {
        StopReceivers();
        _tunReader?.Join(TimeSpan.FromSeconds(5));
        _handshakes.Writer.TryComplete();
        _handshakeWorker?.Wait(TimeSpan.FromSeconds(5));
    }

    private void ReceiveLoop(int receiver)
    {
        var batch = new PacketBatch(Math.Max(1, Bind.BatchSize), MaxPacketSize);
        try
        {
            while (true)
            {
                var n = Bind.Receive(receiver, batch, 0);
                if (n == 0)
                {
                    return;
                }

                // A batching TUN may merge the TCP segments this batch decrypts (one flow, in order) into one write.
                var batching = Tun as Tun.ITunWriteBatching;
                batching?.BeginWriteBatch();
                try
                {
                    for (var i = 0; i < n; i++)
                    {
                        var from = batch.Endpoints[i];
                        if (from is not null)
                        {
                            HandleDatagram(from, batch.Buffers[i].AsSpan(batch.Offsets[i], batch.Lengths[i]));
                        }
                    }
                }
                finally
                {
                    batching?.EndWriteBatch();
                }
            }
        }
        catch (Exception ex) when (ex is ObjectDisposedException or OperationCanceledException)
        {
        }
        catch (Exception ex)
        {
            Log.LoopFailed(_logger, ex, "receive");
        }
    }

    private void TunReadLoop()
    {
        var batch = new PacketBatch(Math.Max(1, Tun.BatchSize), Peer.Headroom + MaxPacketSize + Peer.Tailroom);
        var outgoing = new PacketBatch(batch.Capacity, 0);
        var peers = new Peer?[batch.Capacity];
        var endpoints = new Endpoint?[batch.Capacity];
        try
        {
            while (true)
            {
                var n = Tun.Read(batch, Peer.Headroom);
                if (n == 0)
                {
                    return;
                }

                // Encrypt in place, then send runs of datagrams for the same peer and endpoint in one syscall.
                var ready = 0;
                for (var i = 0; i < n; i++)
                {
                    var buffer = batch.Buffers[i];
                    var offset = batch.Offsets[i];
                    var length = batch.Lengths[i];
                    var peer = RouteOutbound(buffer, offset, length);
                    if (peer is null)
                    {
                        continue;
                    }

                    // Before encryption: a packet the filter refuses never leaves the host.
                    var firewall = Firewall;
                    if (firewall is not null && !firewall.AllowOutbound(buffer.AsSpan(offset, length)))
                    {
                        continue;
                    }

                    if (peer.TryEncryptForBatch(buffer, offset, length, out var endpoint, out var datagramLength))
                    {
                        outgoing.Buffers[ready] = buffer;
                        outgoing.Offsets[ready] = offset - Peer.Headroom;
                        outgoing.Lengths[ready] = datagramLength;
                        peers[ready] = peer;
                        endpoints[ready] = endpoint;
                        ready++;
                    }
                    else
                    {
                        peer.SendPacket(buffer, offset, length);
                    }
                }

                FlushOutgoing(outgoing, peers, endpoints, ready);
            }
        }
        catch (Exception ex) when (ex is ObjectDisposedException or OperationCanceledException)
        {
        }
        catch (Exception ex)
        {
            Log.LoopFailed(_logger, ex, "tun read");
        }
    }

    private void FlushOutgoing(PacketBatch outgoing, Peer?[] peers, Endpoint?[] endpoints, int ready)
    {
        var start = 0;
        while (start < ready)
        {
            var end = start + 1;
            while (end < ready && ReferenceEquals(peers[end], peers[start]) && ReferenceEquals(endpoints[end], endpoints[start]))
            {
                end++;
            }

            var bytes = 0;
            var anyData = false;
            for (var i = start; i < end; i++)
            {
                bytes += outgoing.Lengths[i];
                anyData |= outgoing.Lengths[i] > MessageTransport.MinSize;
            }

            SendRun(outgoing, start, end - start, endpoints[start]!);
            peers[start]!.AfterBatchSent(bytes, anyData);
            start = end;
        }

        Array.Clear(peers, 0, ready);
        Array.Clear(endpoints, 0, ready);
    }

    private void SendRun(PacketBatch outgoing, int start, int count, Endpoint endpoint)
    {
        if (start != 0)
        {
            // Shift the run to the front so the bind sees [0, count).
            for (var i = 0; i < count; i++)
            {
                outgoing.Buffers[i] = outgoing.Buffers[start + i];
                outgoing.Offsets[i] = outgoing.Offsets[start + i];
                outgoing.Lengths[i] = outgoing.Lengths[start + i];
            }
        }

        outgoing.Count = count;
        Bind.Send(endpoint, outgoing);
    }

    private async Task HandshakeLoopAsync()
    {
        try
        {
            await foreach (var work in _handshakes.Reader.ReadAllAsync())
            {
                try
                {
                    HandleHandshake(work.From, work.Buffer.AsSpan(0, work.Length));
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(work.Buffer);
                }
            }
        }
        catch (Exception ex)
        {
            Log.LoopFailed(_logger, ex, "handshake");
        }
    }

    private void EnqueueHandshake(Endpoint from, ReadOnlySpan<byte> msg)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(msg.Length);
        msg.CopyTo(buffer);
        if (!_handshakes.Writer.TryWrite(new HandshakeWork(buffer, msg.Length, from)))
        {
            ArrayPool<byte>.Shared.Return(buffer);
            Counters.HandshakeQueueFull.Increment();
        }
    }
}
