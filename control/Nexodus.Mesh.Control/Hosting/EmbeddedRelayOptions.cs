using System.Net;

namespace Nexodus.Mesh.Control.Hosting;

/// <summary>Where the embedded relay and STUN server listen (flags --relay-listen, --stun-listen, ...).</summary>
internal sealed class EmbeddedRelayOptions
{
    public IPEndPoint Listen { get; init; } = new(IPAddress.Loopback, 8443);

    /// <summary>UDP endpoint for STUN; null = no STUN.</summary>
    public IPEndPoint? StunListen { get; init; } = new(IPAddress.Loopback, 3478);

    /// <summary>Host name or address devices use to reach the relay; defaults to the listen address.</summary>
    public string? AdvertisedHost { get; init; }

    /// <summary>PEM certificate and key; without them a self-signed certificate is made at start (pin it).</summary>
    public string? TlsCertFile { get; init; }

    public string? TlsKeyFile { get; init; }

    /// <summary>Advertise the SHA-256 of <see cref="TlsCertFile"/> in the relay map (an operator's self-signed certificate).</summary>
    public bool PinCertificate { get; init; }

    /// <summary>Relay private key file; default &lt;data-dir&gt;/relay.key.</summary>
    public string? KeyFile { get; init; }
}
