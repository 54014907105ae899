using System.Net;

namespace Nexodus.Mesh.Stun.Client;

/// <summary>
/// The one thing <see cref="StunClient"/> needs from a socket: send a datagram. Receiving stays with the socket's
/// owner, which passes every datagram it does not recognise to <see cref="StunClient.TryHandle"/>. This lets
/// the node run STUN on its WireGuard data socket, so the reflexive address it learns is the one peers must use.
/// </summary>
public interface IStunTransport
{
    ValueTask SendAsync(ReadOnlyMemory<byte> datagram, EndPoint destination, CancellationToken cancellationToken);
}
