using System.Net;

namespace Nexodus.Mesh.Stun.Client;

/// <summary>What <see cref="NatBehaviorDiscovery"/> found out about the path to a STUN server.</summary>
public sealed record NatBehaviorReport
{
    public required IPEndPoint Server { get; init; }

    /// <summary>No answer at all to a plain binding request: UDP is blocked (or the server is down).</summary>
    public bool UdpBlocked { get; init; }

    /// <summary>This socket's local address, when the caller knows it.</summary>
    public IPEndPoint? LocalEndPoint { get; init; }

    /// <summary>Reflexive address as seen by the server's primary address.</summary>
    public IPEndPoint? MappedAddress { get; init; }

    /// <summary>False when the mapped address is the local address; null when the local address is unknown.</summary>
    public bool? BehindNat { get; init; }

    public NatMapping Mapping { get; init; }

    public NatFiltering Filtering { get; init; }

    /// <summary>Whether a packet to the own mapped address came back; null when not tested.</summary>
    public bool? Hairpinning { get; init; }

    /// <summary>The server's OTHER-ADDRESS; null when the server cannot do RFC 5780 tests.</summary>
    public IPEndPoint? OtherAddress { get; init; }

    /// <summary>Why parts of the result are unknown.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}
