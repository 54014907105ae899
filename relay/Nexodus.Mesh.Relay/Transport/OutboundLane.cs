namespace Nexodus.Mesh.Relay.Transport;

/// <summary>The per-connection send queues, served in this order of priority.</summary>
public enum OutboundLane
{
    /// <summary>Small protocol frames (keepalive, pong, peer-gone/present, health, mesh announcements).</summary>
    Control,

    /// <summary>Discovery packets: few, latency-sensitive, must not wait behind data.</summary>
    Disco,

    /// <summary>WireGuard data.</summary>
    Data,
}
