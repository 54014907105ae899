using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.Relay.Protocol;

namespace Nexodus.Mesh.Relay.Client;

/// <summary>
/// Receives a packet relayed from <paramref name="source"/>. Called on the connection's reader; the span is only
/// valid during the call (copy it out), and the handler must be quick — it holds up the next frame.
/// </summary>
public delegate void RelayPacketHandler(PublicKey source, ReadOnlySpan<byte> packet, PacketKind kind);
