using System.Net;
using System.Security.Cryptography.X509Certificates;
using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.Relay.Server;
using Nexodus.Mesh.Relay.Transport;

namespace Nexodus.Mesh.TestDoubles.Relay;

/// <summary>
/// A real relay on Kestrel, 127.0.0.1 with a dev TLS certificate, admitting tokens from a <see cref="TestTokenIssuer"/>.
/// Clients trust it through <see cref="Trust"/> (a SHA-256 pin of its certificate).
/// </summary>
public sealed class RelayTestServer : IAsyncDisposable
{
    private RelayTestServer(RelayHost host, X509Certificate2 certificate, PrivateKey key)
    {
        Host = host;
        Certificate = certificate;
        Key = key;
        Trust = TlsTrust.Pin(TlsTrust.Sha256Of(certificate));
    }

    public RelayHost Host { get; }

    public X509Certificate2 Certificate { get; }

    public PrivateKey Key { get; }

    public TlsTrust Trust { get; }

    public Uri RelayUrl => Host.RelayUrl;

    public RelayServer Server => Host.Server;

    /// <summary>Starts a relay. Pass <paramref name="port"/> to restart on a known port, and the same key/cert to look identical.</summary>
    public static async Task<RelayTestServer> StartAsync(
        TestTokenIssuer issuer,
        Func<PrivateKey, RelayServerOptions>? configure = null,
        int port = 0,
        PrivateKey? key = null,
        X509Certificate2? certificate = null,
        bool tls = true,
        IPAddress? address = null)
    {
        key ??= PrivateKey.Generate();
        certificate ??= DevCertificate.Create();
        var relay = configure?.Invoke(key) ?? new RelayServerOptions { PrivateKey = key, KeepAlive = TimeSpan.FromSeconds(5) };
        var host = await RelayHost.StartAsync(
            new RelayHostOptions
            {
                Listen = new IPEndPoint(address ?? IPAddress.Loopback, port),
                Certificate = tls ? certificate : null,
                ControlJwksJson = issuer.JwksJson,
            },
            relay);
        return new RelayTestServer(host, certificate, key);
    }

    public ValueTask DisposeAsync() => Host.DisposeAsync();
}
