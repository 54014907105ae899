namespace Nexodus.Mesh.Core.Net;

/// <summary>
/// Sees every datagram received on the shared socket before the WireGuard engine does, and may claim it
/// (disco, STUN). Runs on the receive thread: must not block.
/// </summary>
public interface IDatagramInterceptor
{
    /// <summary>True when the datagram was consumed and must not reach the WireGuard engine.</summary>
    bool TryClaim(Endpoint from, ReadOnlySpan<byte> datagram);
}
