namespace Nexodus.Mesh.Core.Net;

/// <summary>
/// Where a datagram came from or goes to. A UDP address is the usual case; a pseudo-endpoint such as
/// "via relay" lets the WireGuard engine treat the relay as just another path (DESIGN §3).
/// Implementations are immutable and compare by value so roaming can tell "same path" from "new path".
/// </summary>
public abstract class Endpoint : IEquatable<Endpoint>
{
    public abstract bool Equals(Endpoint? other);

    public override bool Equals(object? obj) => obj is Endpoint other && Equals(other);

    public override int GetHashCode() => 0;

    /// <summary>Bytes that identify the source for cookies and rate limiting (address without port for UDP).</summary>
    public abstract ReadOnlySpan<byte> SourceBytes { get; }

    /// <summary>Bytes that identify the exact return path (address and port for UDP), for WireGuard cookies.</summary>
    public abstract ReadOnlySpan<byte> CookieBytes { get; }
}
