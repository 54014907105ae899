namespace Nexodus.Mesh.Node.WireGuard;

/// <summary>The five per-peer timers and the events that arm them (whitepaper §6, wireguard-go timers.go).</summary>
internal sealed partial class Peer
{
    private PeerTimer _retransmitHandshake = null!;
    private PeerTimer _sendKeepalive = null!;
    private PeerTimer _newHandshake = null!;
    private PeerTimer _zeroKeyMaterial = null!;
    private PeerTimer _persistentKeepalive = null!;
    private int _handshakeAttempts;
    private volatile bool _needAnotherKeepalive;
    private volatile bool _sentLastMinuteHandshake;

    private void InitTimers()
    {
        var time = Device.Time;
        _retransmitHandshake = new PeerTimer(time, OnRetransmitHandshake, e => Device.LogTimerFailed(this, "RetransmitHandshake", e));
        _sendKeepalive = new PeerTimer(time, OnSendKeepalive, e => Device.LogTimerFailed(this, "SendKeepalive", e));
        _newHandshake = new PeerTimer(time, OnNewHandshake, e => Device.LogTimerFailed(this, "NewHandshake", e));
        _zeroKeyMaterial = new PeerTimer(time, OnZeroKeyMaterial, e => Device.LogTimerFailed(this, "ZeroKeyMaterial", e));
        _persistentKeepalive = new PeerTimer(time, OnPersistentKeepalive, e => Device.LogTimerFailed(this, "PersistentKeepalive", e));
    }

    private void StopTimers()
    {
        _retransmitHandshake.Del();
        _sendKeepalive.Del();
        _newHandshake.Del();
        _zeroKeyMaterial.Del();
        _persistentKeepalive.Del();
    }

    internal void DisposeTimers()
    {
        _retransmitHandshake.Dispose();
        _sendKeepalive.Dispose();
        _newHandshake.Dispose();
        _zeroKeyMaterial.Dispose();
        _persistentKeepalive.Dispose();
    }

    private static TimeSpan Jitter() => TimeSpan.FromMilliseconds(Random.Shared.Next(Protocol.RekeyTimeoutJitterMaxMs));

    private void OnRetransmitHandshake()
    {
        if (!_running)
        {
            return;
        }

        if (Interlocked.Increment(ref _handshakeAttempts) > Protocol.MaxTimerHandshakes + 1)
        {
            Device.LogHandshakeGaveUp(this);
            _sendKeepalive.Del();
            lock (Sync)
            {
                FlushStaged();
            }

            if (!_zeroKeyMaterial.IsPending)
            {
                _zeroKeyMaterial.Mod(Protocol.RejectAfterTime * 3);
            }

            return;
        }

        Device.LogHandshakeRetry(this);
        SendHandshakeInitiation(isRetry: true);
    }

    private void OnSendKeepalive()
    {
        if (!_running)
        {
            return;
        }

        SendKeepalive();
        if (_needAnotherKeepalive)
        {
            _needAnotherKeepalive = false;
            _sendKeepalive.Mod(Protocol.KeepaliveTimeout);
        }
    }

    private void OnNewHandshake()
    {
        if (!_running)
        {
            return;
        }

        Device.LogNewHandshakeAfterSilence(this);
        SendHandshakeInitiation(isRetry: false);
    }

    private void OnZeroKeyMaterial() => ZeroAndFlushAll();

    private void OnPersistentKeepalive()
    {
        if (_running && PersistentKeepaliveSeconds > 0)
        {
            SendKeepalive();
        }
    }

    /// <summary>We sent data: expect an answer within keepalive + rekey timeout, else start over.</summary>
    internal void TimersDataSent()
    {
        if (!_newHandshake.IsPending)
        {
            _newHandshake.Mod(Protocol.KeepaliveTimeout + Protocol.RekeyTimeout + Jitter());
        }
    }

    /// <summary>We received data: acknowledge with a keepalive if we have nothing to send back.</summary>
    internal void TimersDataReceived()
    {
        if (!_sendKeepalive.IsPending)
        {
            _sendKeepalive.Mod(Protocol.KeepaliveTimeout);
        }
        else
        {
            _needAnotherKeepalive = true;
        }
    }

    internal void TimersAnyAuthenticatedPacketSent() => _sendKeepalive.Del();

    internal void TimersAnyAuthenticatedPacketReceived() => _newHandshake.Del();

    internal void TimersHandshakeInitiated() => _retransmitHandshake.Mod(Protocol.RekeyTimeout + Jitter());

    internal void TimersHandshakeComplete()
    {
        _retransmitHandshake.Del();
        Interlocked.Exchange(ref _handshakeAttempts, 0);
        _sentLastMinuteHandshake = false;
        MarkHandshakeComplete();
    }

    internal void TimersSessionDerived() => _zeroKeyMaterial.Mod(Protocol.RejectAfterTime * 3);

    internal void TimersAnyAuthenticatedPacketTraversal()
    {
        var interval = PersistentKeepaliveSeconds;
        if (interval > 0)
        {
            _persistentKeepalive.Mod(TimeSpan.FromSeconds(interval));
        }
    }

    /// <summary>Initiator rekeys when the current session is old; the responder waits for the initiator.</summary>
    internal void KeepKeyFreshSending()
    {
        var kp = _current;
        if (kp is null)
        {
            return;
        }

        var nonce = kp.SendNonce;
        if (nonce > Protocol.RekeyAfterMessages || (kp.IsInitiator && Device.Time.GetUtcNow() - kp.Created > Protocol.RekeyAfterTime))
        {
            SendHandshakeInitiation(isRetry: false);
        }
    }

    /// <summary>If we initiated and the session is about to be rejected, try one last handshake.</summary>
    internal void KeepKeyFreshReceiving()
    {
        if (_sentLastMinuteHandshake)
        {
            return;
        }

        var kp = _current;
        if (kp is not null && kp.IsInitiator && Device.Time.GetUtcNow() - kp.Created > Protocol.RejectAfterTime - Protocol.KeepaliveTimeout - Protocol.RekeyTimeout)
        {
            _sentLastMinuteHandshake = true;
            SendHandshakeInitiation(isRetry: false);
        }
    }
}
