namespace Nexodus.Mesh.Relay.Transport;

/// <summary>How a client reaches <c>/relay</c>.</summary>
public enum RelayTransport
{
    /// <summary>HTTP/1.1 <c>Upgrade: nexodus-relay</c>, then raw frames on the TLS stream (least overhead).</summary>
    Upgrade,

    /// <summary>WebSocket (sub-protocol <c>nexodus-relay</c>), for networks whose proxies only pass WebSockets.</summary>
    WebSocket,
}
