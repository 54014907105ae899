using System.Net;

namespace Nexodus.Mesh.TestDoubles.Sockets;

/// <summary>One datagram in flight on an <see cref="InMemoryDatagramNetwork"/>.</summary>
public readonly record struct InMemoryDatagram(IPEndPoint From, IPEndPoint To, byte[] Payload);
