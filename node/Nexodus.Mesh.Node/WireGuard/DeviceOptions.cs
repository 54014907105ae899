namespace Nexodus.Mesh.Node.WireGuard;

/// <summary>Tunables (not fixed by the protocol).</summary>
internal sealed class DeviceOptions
{
    /// <summary>Handshake messages waiting for the handshake worker; more are dropped.</summary>
    public int HandshakeQueueSize { get; set; } = 1024;

    /// <summary>Queue depth at which we consider ourselves under load and demand cookies (wireguard-go: queue/8).</summary>
    public int UnderLoadThreshold { get; set; } = 128;

    /// <summary>How long "under load" persists after the queue drains.</summary>
    public TimeSpan UnderLoadAfterTime { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Datagrams per receive/send batch for binds that support batching.</summary>
    public int BatchSize { get; set; } = 64;
}
