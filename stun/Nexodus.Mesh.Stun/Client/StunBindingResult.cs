using System.Net;

namespace Nexodus.Mesh.Stun.Client;

/// <summary>The outcome of one binding transaction.</summary>
public sealed record StunBindingResult
{
    public required StunBindingStatus Status { get; init; }

    /// <summary>Where the request was sent.</summary>
    public required IPEndPoint Server { get; init; }

    /// <summary>How many times the request was sent.</summary>
    public required int Transmissions { get; init; }

    /// <summary>UDP source of the response as the socket saw it.</summary>
    public IPEndPoint? ResponseSource { get; init; }

    /// <summary>Reflexive address: XOR-MAPPED-ADDRESS, or MAPPED-ADDRESS from an RFC 3489 server.</summary>
    public IPEndPoint? MappedAddress { get; init; }

    /// <summary>OTHER-ADDRESS (RFC 5780), or CHANGED-ADDRESS (RFC 3489).</summary>
    public IPEndPoint? OtherAddress { get; init; }

    /// <summary>RESPONSE-ORIGIN (RFC 5780), or SOURCE-ADDRESS (RFC 3489).</summary>
    public IPEndPoint? ResponseOrigin { get; init; }

    public int ErrorCode { get; init; }

    public string? ErrorReason { get; init; }

    public string? Software { get; init; }

    /// <summary>From the first transmission to the response.</summary>
    public TimeSpan Elapsed { get; init; }

    public bool IsSuccess => Status == StunBindingStatus.Success && MappedAddress is not null;
}
