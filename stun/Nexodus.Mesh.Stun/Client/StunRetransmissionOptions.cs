namespace Nexodus.Mesh.Stun.Client;

/// <summary>
/// Request retransmission over UDP (RFC 8489 §6.2.1): send at 0, RTO, 3·RTO, 7·RTO … (the interval doubles)
/// up to <see cref="RequestCount"/> (Rc) transmissions, then wait <see cref="LastWaitMultiplier"/> (Rm) × RTO
/// for the last one. With the defaults (500 ms, 7, 16) that is sends at 0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s
/// and failure at 39.5 s. <see cref="TotalTimeout"/> caps the whole transaction when the caller cannot wait
/// that long.
/// </summary>
public sealed record StunRetransmissionOptions
{
    /// <summary>RFC 8489 defaults.</summary>
    public static StunRetransmissionOptions Default { get; } = new();

    /// <summary>
    /// For tests whose answer is expected to be filtered away (RFC 5780 filtering and hairpin tests): a lost
    /// answer there is the result, so waiting 39.5 s for it would only slow discovery down.
    /// </summary>
    public static StunRetransmissionOptions Probe { get; } = new() { InitialRto = TimeSpan.FromMilliseconds(250), RequestCount = 3, LastWaitMultiplier = 4 };

    /// <summary>RTO: first retransmission interval.</summary>
    public TimeSpan InitialRto { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Rc: total number of transmissions.</summary>
    public int RequestCount { get; init; } = 7;

    /// <summary>Rm: after the last transmission, wait this many initial RTOs.</summary>
    public int LastWaitMultiplier { get; init; } = 16;

    /// <summary>Optional cap on the whole transaction.</summary>
    public TimeSpan? TotalTimeout { get; init; }

    internal void Validate()
    {
        if (InitialRto <= TimeSpan.Zero || RequestCount < 1 || LastWaitMultiplier < 1 || TotalTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("retransmission options need InitialRto > 0, RequestCount >= 1, LastWaitMultiplier >= 1 and TotalTimeout > 0");
        }
    }
}
