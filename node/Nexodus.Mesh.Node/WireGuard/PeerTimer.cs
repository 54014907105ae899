namespace Nexodus.Mesh.Node.WireGuard;

/// <summary>
/// A one-shot timer with wireguard-go's mod/del/pending semantics, driven by a <see cref="TimeProvider"/> so
/// tests can run the protocol clock by hand.
/// </summary>
internal sealed class PeerTimer : IDisposable
{
    private readonly Lock _sync = new();
    private readonly ITimer _timer;
    private readonly Action _callback;
    private readonly Action<Exception> _onError;
    private readonly TimeProvider _time;
    private DateTimeOffset _due;
    private bool _pending;
    private bool _disposed;

    /// <param name="onError">
    /// Told about an exception from <paramref name="callback"/>: a timer thread that throws would end the process, and a
    /// peer racing the device's shutdown (a keepalive to a closed socket) is no reason for that.
    /// </param>
    public PeerTimer(TimeProvider time, Action callback, Action<Exception> onError)
    {
        _time = time;
        _callback = callback;
        _onError = onError;
        _timer = time.CreateTimer(_ => Fire(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public bool IsPending => Volatile.Read(ref _pending);

    public void Mod(TimeSpan due)
    {
        lock (_sync)
        {
            if (_disposed)
            {
                return;
            }

            _pending = true;
            _due = _time.GetUtcNow() + due;
            _timer.Change(due, Timeout.InfiniteTimeSpan);
        }
    }

    public void Del()
    {
        // Called for nearly every packet: skip the timer-queue update when there is nothing to cancel.
        if (!Volatile.Read(ref _pending))
        {
            return;
        }

        lock (_sync)
        {
            _pending = false;
            if (!_disposed)
            {
                _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            }
        }
    }

    private void Fire()
    {
        lock (_sync)
        {
            // A late callback from an earlier arming must not fire a timer that was re-armed later.
            if (!_pending || _disposed || _time.GetUtcNow() < _due)
            {
                return;
            }

            _pending = false;
        }

        try
        {
            _callback();
        }
        catch (ObjectDisposedException)
        {
            // The device closed its bind or TUN while this timer was firing.
        }
        catch (Exception e)
        {
            _onError(e);
        }
    }

    public void Dispose()
    {
        lock (_sync)
        {
            _disposed = true;
            _pending = false;
            _timer.Dispose();
        }
    }
}
