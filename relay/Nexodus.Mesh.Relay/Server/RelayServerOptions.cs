using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.Relay.Transport;

namespace Nexodus.Mesh.Relay.Server;

/// <summary>Tunables of the relay core (independent of HTTP hosting).</summary>
public sealed class RelayServerOptions
{
    /// <summary>The relay's static key; clients seal their client-info to its public half.</summary>
    public required PrivateKey PrivateKey { get; init; }

    public string Region { get; init; } = "default";

    /// <summary>Shared secret of the region's relays; null disables mesh (mesh-hello is refused).</summary>
    public byte[]? MeshKey { get; init; }

    /// <summary>Other relays of the region to dial (their https://host:port/relay URLs).</summary>
    public IReadOnlyList<Uri> MeshPeers { get; init; } = [];

    /// <summary>How to trust mesh peers' certificates.</summary>
    public TlsTrust MeshTrust { get; init; } = TlsTrust.System;

    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a connection may take from the upgrade to a valid client-info (and, on the listener, for the TLS
    /// handshake); slower ones are closed (<c>auth_failures_total{reason="handshake_timeout"}</c>).
    /// </summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Connections allowed at once between the upgrade and admission. Proving a key costs the relay an X25519 and a
    /// token check, so unauthenticated connections are capped: the ones over the cap get a "busy" health frame and
    /// are closed at once (<c>auth_failures_total{reason="preauth_limit"}</c>, gauge <c>pending_handshakes</c>).
    /// </summary>
    public int MaxPendingHandshakes { get; init; } = 512;

    /// <summary>Per-client queue bounds (frames); the oldest is dropped on overflow.</summary>
    public int DataQueueSize { get; init; } = 1024;

    public int DiscoQueueSize { get; init; } = 64;

    /// <summary>Per-client receive rate limit (bytes/s) and burst; 0 = unlimited.</summary>
    public long RateBytesPerSecond { get; init; }

    public long RateBurstBytes { get; init; } = 1024 * 1024;

    /// <summary>Mesh link reconnect backoff.</summary>
    public TimeSpan MeshRetryMin { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MeshRetryMax { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Throws with the field and the fix when a combination cannot work.</summary>
    public void Validate()
    {
        if (RateBytesPerSecond < 0)
        {
            throw new ArgumentException("rate limit must be ≥ 0 bytes/s (0 = unlimited)");
        }

        if (RateBytesPerSecond > 0 && RateBurstBytes < Protocol.ProtocolConstants.MaxPayloadSize + Protocol.ProtocolConstants.HeaderSize)
        {
            throw new ArgumentException($"rate burst must be at least one maximal frame ({Protocol.ProtocolConstants.MaxPayloadSize + Protocol.ProtocolConstants.HeaderSize} bytes)");
        }

        if (MeshPeers.Count > 0 && MeshKey is null)
        {
            throw new ArgumentException("mesh peers are configured but no mesh key: pass --mesh-key or --mesh-key-file");
        }

        if (MeshKey is not null && MeshKey.Length < 16)
        {
            throw new ArgumentException("the mesh key must be at least 16 bytes (e.g. 32 random bytes, hex or base64)");
        }

        if (MaxPendingHandshakes < 1)
        {
            throw new ArgumentException("the cap on connections waiting to authenticate must be ≥ 1");
        }

        if (HandshakeTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("handshake timeout must be positive");
        }

        if (DataQueueSize < 1 || DiscoQueueSize < 1)
        {
            throw new ArgumentException("queue sizes must be ≥ 1");
        }

        if (KeepAlive <= TimeSpan.Zero)
        {
            throw new ArgumentException("keepalive interval must be positive");
        }
    }
}
