namespace Nexodus.Mesh.Stun.Client;

public sealed record NatBehaviorDiscoveryOptions
{
    /// <summary>
    /// For requests that should be answered (the first binding and the mapping tests). Capped at 5 s by
    /// default so that "no UDP" is reported within that time rather than after RFC 8489's 39.5 s.
    /// </summary>
    public StunRetransmissionOptions Binding { get; init; } = StunRetransmissionOptions.Default with { TotalTimeout = TimeSpan.FromSeconds(5) };

    /// <summary>For filtering and hairpin tests, where no answer is a normal outcome.</summary>
    public StunRetransmissionOptions Probe { get; init; } = StunRetransmissionOptions.Probe;

    public bool TestHairpinning { get; init; } = true;
}
