namespace Nexodus.Mesh.Node.WireGuard;

/// <summary>Why packets were dropped. Untrusted input never throws; it lands in one of these.</summary>
internal sealed class DeviceCounters
{
    public Counter Malformed { get; } = new();
    public Counter InvalidMac1 { get; } = new();
    public Counter CookieRepliesSent { get; } = new();
    public Counter RateLimited { get; } = new();
    public Counter HandshakeRejected { get; } = new();
    public Counter HandshakeQueueFull { get; } = new();
    public Counter UnknownIndex { get; } = new();
    public Counter DecryptFailed { get; } = new();
    public Counter Replayed { get; } = new();
    public Counter ExpiredKeypair { get; } = new();
    public Counter DisallowedSource { get; } = new();
    public Counter NoRoute { get; } = new();
    public Counter StagedDropped { get; } = new();
    public Counter CookieRepliesAccepted { get; } = new();
    public Counter Intercepted { get; } = new();

    /// <summary>Handshakes that derived a keypair (either role); not a drop, kept here so metrics read one object.</summary>
    public Counter HandshakesCompleted { get; } = new();

    internal sealed class Counter
    {
        private long _value;

        public long Value => Interlocked.Read(ref _value);

        public void Increment() => Interlocked.Increment(ref _value);
    }
}
