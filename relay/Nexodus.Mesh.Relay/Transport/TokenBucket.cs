namespace Nexodus.Mesh.Relay.Transport;

/// <summary>
/// A byte-rate token bucket on a <see cref="TimeProvider"/>. The relay does not drop a client's excess: the reader
/// consumes, and when the bucket is in debt it waits before reading more, so TCP pushes back on the flooding
/// client alone while everybody else's frames keep moving. Not thread-safe: one per connection reader.
/// </summary>
internal sealed class TokenBucket
{
    private readonly TimeProvider _time;
    private readonly double _rate;
    private readonly double _burst;
    private double _tokens;
    private long _last;

    public TokenBucket(long bytesPerSecond, long burstBytes, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bytesPerSecond);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(burstBytes);
        _rate = bytesPerSecond;
        _burst = burstBytes;
        _tokens = burstBytes;
        _time = time;
        _last = time.GetTimestamp();
    }

    /// <summary>Takes <paramref name="bytes"/> (the balance may go negative); returns how long to wait until it is not.</summary>
    public TimeSpan Consume(int bytes)
    {
        var now = _time.GetTimestamp();
        _tokens = Math.Min(_burst, _tokens + (_time.GetElapsedTime(_last, now).TotalSeconds * _rate));
        _last = now;
        _tokens -= bytes;
        return _tokens >= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(-_tokens / _rate);
    }
}
