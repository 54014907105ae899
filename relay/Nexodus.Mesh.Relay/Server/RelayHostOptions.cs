using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace Nexodus.Mesh.Relay.Server;

/// <summary>How the relay is exposed over HTTP (Kestrel).</summary>
public sealed class RelayHostOptions
{
    /// <summary>Main listener (relay, probe, healthz, and metrics unless <see cref="MetricsListen"/> is set).</summary>
    public IPEndPoint Listen { get; init; } = new(IPAddress.Any, 443);

    /// <summary>
    /// An already bound and listening socket to serve instead of <see cref="Listen"/> (socket activation, or a socket
    /// created inside a network namespace by a test lab). The host takes ownership.
    /// </summary>
    public System.Net.Sockets.Socket? ListenSocket { get; init; }

    /// <summary>Server certificate; null = plain HTTP (only for tests and behind a TLS-terminating proxy).</summary>
    public X509Certificate2? Certificate { get; init; }

    /// <summary>Separate plain-HTTP listener for /metrics only; null = /metrics on the main listener.</summary>
    public IPEndPoint? MetricsListen { get; init; }

    /// <summary>UDP endpoint for the embedded STUN server; null = no STUN.</summary>
    public IPEndPoint? StunListen { get; init; }

    /// <summary>
    /// A second IP of this host for RFC 5780 behaviour discovery (the STUN server then binds both IPs × port and
    /// port+1); null = plain binding only.
    /// </summary>
    public IPAddress? StunAlternateIp { get; init; }

    /// <summary>Control's JWKS URL (<c>--control-jwks</c>) or a JWKS file (<c>--control-key</c>); exactly one.</summary>
    public Uri? ControlJwks { get; init; }

    public string? ControlKeyFile { get; init; }

    /// <summary>Or keys given directly (tests).</summary>
    public string? ControlJwksJson { get; init; }

    /// <summary>Expected <c>iss</c>; null accepts any issuer whose key is in the JWKS.</summary>
    public string? Issuer { get; init; }

    /// <summary>Trust for fetching the JWKS over https (pins for dev control instances).</summary>
    public Transport.TlsTrust ControlTrust { get; init; } = Transport.TlsTrust.System;
}
