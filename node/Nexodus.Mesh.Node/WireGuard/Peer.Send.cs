using System.Buffers;
using Nexodus.Mesh.Core.Net;

namespace Nexodus.Mesh.Node.WireGuard;

/// <summary>Outbound path: encrypt in place, stage while there is no usable session, send handshakes.</summary>
internal sealed partial class Peer
{
    /// <summary>Buffers handed to the send path have this much room before the packet for the transport header.</summary>
    public const int Headroom = MessageTransport.HeaderSize;

    /// <summary>And this much after it for padding and the tag.</summary>
    public const int Tailroom = Protocol.PaddingMultiple + Protocol.AeadTagSize;

    private int _stagedCount;

    /// <summary>
    /// Sends an IP packet that sits at <paramref name="offset"/> in <paramref name="buffer"/> with
    /// <see cref="Headroom"/> before and <see cref="Tailroom"/> after it. Falls back to staging a copy.
    /// </summary>
    public void SendPacket(byte[] buffer, int offset, int length)
    {
        if (!_running)
        {
            return;
        }

        var kp = _current;
        bool stagedEmpty;
        lock (Sync)
        {
            stagedEmpty = _staged.Count == 0;
        }

        if (stagedEmpty && kp is not null && TrySendTransport(kp, buffer, offset, length))
        {
            KeepKeyFreshSending();
            return;
        }

        Stage(buffer.AsSpan(offset, length));
        SendStagedPackets();
    }

    public void SendKeepalive()
    {
        lock (Sync)
        {
            if (_staged.Count == 0)
            {
                _staged.Enqueue((ArrayPool<byte>.Shared.Rent(Headroom + Tailroom), 0));
                _stagedCount = _staged.Count;
            }
        }

        SendStagedPackets();
    }

    public void SendStagedPackets()
    {
        if (!_running)
        {
            return;
        }

        var sent = false;
        while (true)
        {
            (byte[] Buffer, int Length) item;
            var kp = _current;
            lock (Sync)
            {
                if (_staged.Count == 0)
                {
                    break;
                }

                if (kp is null || !IsUsable(kp))
                {
                    kp = null;
                    item = default;
                }
                else
                {
                    item = _staged.Dequeue();
                    _stagedCount = _staged.Count;
                }
            }

            if (kp is null)
            {
                SendHandshakeInitiation(isRetry: false);
                return;
            }

            var ok = TrySendTransport(kp, item.Buffer!, Headroom, item.Length);
            if (!ok)
            {
                lock (Sync)
                {
                    // Could not use the keypair after all (raced with expiry): keep the packet and rekey.
                    var rest = _staged.ToArray();
                    _staged.Clear();
                    _staged.Enqueue(item);
                    foreach (var r in rest)
                    {
                        _staged.Enqueue(r);
                    }

                    _stagedCount = _staged.Count;
                }

                SendHandshakeInitiation(isRetry: false);
                return;
            }

            ArrayPool<byte>.Shared.Return(item.Buffer!);
            sent = true;
        }

        if (sent)
        {
            KeepKeyFreshSending();
        }
    }

    private bool IsUsable(Keypair kp) =>
        kp.SendNonce < Protocol.RejectAfterMessages && Device.Time.GetUtcNow() - kp.Created < Protocol.RejectAfterTime;

    private bool TrySendTransport(Keypair kp, byte[] buffer, int offset, int length)
    {
        var endpoint = _endpoint;
        if (endpoint is null || !TryEncrypt(kp, buffer, offset, length, out var datagramLength))
        {
            return false;
        }

        if (Device.Bind.Send(endpoint, buffer.AsSpan(offset - Headroom, datagramLength)))
        {
            AddTx(datagramLength);
        }

        AfterSent(length > 0);
        return true;
    }

    /// <summary>
    /// Fast path for the TUN reader's batches: encrypts in place when a usable session exists and nothing is
    /// staged. The caller sends the datagram (at offset - Headroom) with others to the same endpoint, then calls
    /// <see cref="AfterBatchSent"/>. False: use <see cref="SendPacket"/>.
    /// </summary>
    public bool TryEncryptForBatch(byte[] buffer, int offset, int length, out Endpoint? endpoint, out int datagramLength)
    {
        datagramLength = 0;
        endpoint = _endpoint;
        var kp = _current;
        if (!_running || endpoint is null || kp is null || Volatile.Read(ref _stagedCount) != 0)
        {
            return false;
        }

        return TryEncrypt(kp, buffer, offset, length, out datagramLength);
    }

    public void AfterBatchSent(int bytes, bool anyData)
    {
        AddTx(bytes);
        AfterSent(anyData);
        KeepKeyFreshSending();
    }

    private void AfterSent(bool data)
    {
        TimersAnyAuthenticatedPacketTraversal();
        TimersAnyAuthenticatedPacketSent();
        if (data)
        {
            TimersDataSent();
        }
    }

    private bool TryEncrypt(Keypair kp, byte[] buffer, int offset, int length, out int datagramLength)
    {
        datagramLength = 0;
        if (Device.Time.GetUtcNow() - kp.Created >= Protocol.RejectAfterTime)
        {
            return false;
        }

        var nonce = kp.NextNonce();
        if (nonce >= Protocol.RejectAfterMessages)
        {
            return false;
        }

        var padded = length == 0 ? 0 : Math.Min((length + Protocol.PaddingMultiple - 1) & ~(Protocol.PaddingMultiple - 1), Math.Max(Device.Mtu, length));
        buffer.AsSpan(offset + length, padded - length).Clear();
        MessageTransport.WriteHeader(buffer.AsSpan(offset - Headroom, Headroom), kp.RemoteIndex, nonce);
        if (!kp.Seal(nonce, buffer.AsSpan(offset, padded), buffer.AsSpan(offset + padded, Protocol.AeadTagSize)))
        {
            return false;
        }

        datagramLength = Headroom + padded + Protocol.AeadTagSize;
        return true;
    }

    private void Stage(ReadOnlySpan<byte> packet)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Headroom + packet.Length + Tailroom);
        packet.CopyTo(buffer.AsSpan(Headroom));
        lock (Sync)
        {
            if (_staged.Count >= MaxStagedPackets)
            {
                ArrayPool<byte>.Shared.Return(_staged.Dequeue().Buffer);
                Device.Counters.StagedDropped.Increment();
            }

            _staged.Enqueue((buffer, packet.Length));
            _stagedCount = _staged.Count;
        }
    }

    /// <summary>Caller holds <see cref="Sync"/>.</summary>
    private void FlushStaged()
    {
        while (_staged.Count > 0)
        {
            ArrayPool<byte>.Shared.Return(_staged.Dequeue().Buffer);
        }

        _stagedCount = 0;
    }

    /// <summary>
    /// The bind says a path to this peer just became usable (relay connected, direct path proven). An initiation sent
    /// while there was no path was lost, and the retransmit timer would wait out RekeyTimeout (5 s) — the first packet
    /// of a fresh tunnel then took 5 s instead of one round trip. Resend now if no session is up and one is outstanding.
    /// </summary>
    public void PathBecameUsable()
    {
        if (!_running)
        {
            return;
        }

        var kp = _current;
        lock (Sync)
        {
            if ((kp is not null && IsUsable(kp)) || Handshake.State != HandshakeState.InitiationCreated)
            {
                return;
            }

            Handshake.LastSentHandshake = DateTimeOffset.MinValue;
        }

        SendHandshakeInitiation(isRetry: true);
    }

    /// <summary>Sends an initiation unless one went out less than RekeyTimeout ago.</summary>
    public void SendHandshakeInitiation(bool isRetry)
    {
        if (!_running)
        {
            return;
        }

        if (!isRetry)
        {
            Interlocked.Exchange(ref _handshakeAttempts, 0);
        }

        var now = Device.Time.GetUtcNow();
        lock (Sync)
        {
            if (now - Handshake.LastSentHandshake < Protocol.RekeyTimeout)
            {
                return;
            }

            Handshake.LastSentHandshake = now;
        }

        Span<byte> msg = stackalloc byte[MessageInitiation.Size];
        if (!Device.CreateInitiation(this, msg))
        {
            return;
        }

        Cookies.AddMacs(msg, MessageInitiation.Mac1Offset);
        TimersAnyAuthenticatedPacketTraversal();
        TimersAnyAuthenticatedPacketSent();
        var endpoint = _endpoint;
        if (endpoint is not null && Device.Bind.Send(endpoint, msg))
        {
            AddTx(msg.Length);
        }

        Device.LogSentInitiation(this);
        TimersHandshakeInitiated();
    }

    public void SendHandshakeResponse()
    {
        Span<byte> msg = stackalloc byte[MessageResponse.Size];
        if (!Device.CreateResponse(this, msg))
        {
            return;
        }

        Cookies.AddMacs(msg, MessageResponse.Mac1Offset);
        if (!Device.BeginSymmetricSession(this))
        {
            return;
        }

        TimersSessionDerived();
        TimersAnyAuthenticatedPacketTraversal();
        TimersAnyAuthenticatedPacketSent();
        var endpoint = _endpoint;
        if (endpoint is not null && Device.Bind.Send(endpoint, msg))
        {
            AddTx(msg.Length);
        }
    }
}
