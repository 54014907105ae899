namespace Nexodus.Mesh.Relay.Protocol;

/// <summary>The first byte of every frame. Values are wire constants; never renumber them.</summary>
public enum FrameType : byte
{
    /// <summary>Server → client, first frame: magic, protocol version, relay static key, challenge.</summary>
    ServerKey = 0x01,

    /// <summary>Client → server, second frame: node key + Box-sealed {challenge, admission token}.</summary>
    ClientInfo = 0x02,

    /// <summary>Server → client after admission: protocol version and keepalive interval.</summary>
    ServerInfo = 0x03,

    /// <summary>Client → server: a packet for a destination node key.</summary>
    SendPacket = 0x04,

    /// <summary>Server → client: a packet from a source node key.</summary>
    RecvPacket = 0x05,

    KeepAlive = 0x06,
    Ping = 0x07,
    Pong = 0x08,

    /// <summary>Server → client: a key the client sent to is not (or no longer) reachable here.</summary>
    PeerGone = 0x09,

    /// <summary>Server → client: a key sharing a VPC with the client is now reachable here.</summary>
    PeerPresent = 0x0A,

    /// <summary>Server → client: a human-readable health problem; empty = healthy again.</summary>
    Health = 0x0B,

    /// <summary>Server → client: the relay is restarting; reconnect after the given delay.</summary>
    Restarting = 0x0C,

    /// <summary>Client → server: a fresh admission token for the same node key (refresh without reconnect).</summary>
    TokenUpdate = 0x0D,

    /// <summary>Mesh peer → server, instead of <see cref="ClientInfo"/>: relay key, mesh-key proof, region.</summary>
    MeshHello = 0x20,

    /// <summary>Server → mesh peer: a key is connected here, with its VPCs.</summary>
    MeshPeerPresent = 0x21,

    /// <summary>Server → mesh peer: a key left this relay.</summary>
    MeshPeerGone = 0x22,

    /// <summary>Mesh peer → server: a packet from one of the peer's clients to one of ours (one hop, never re-forwarded).</summary>
    ForwardPacket = 0x23,
}
