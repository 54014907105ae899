using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Nexodus.Mesh.Control.Admission;
using Nexodus.Mesh.Control.Netmap;
using Nexodus.Mesh.Control.Storage;
using Nexodus.Mesh.Relay.Server;
using Nexodus.Mesh.Relay.Transport;
using PublicKey = Nexodus.Mesh.Core.Keys.PublicKey;

namespace Nexodus.Mesh.Control.Hosting;

/// <summary>
/// The one-box setup: control hosts a relay (its own TLS listener) and the STUN server in the same process.
/// The relay verifies admission tokens with control's signing key directly (no JWKS fetch), and control
/// registers it as the global relay region <see cref="RegionCode"/> so it appears in every device's relay map.
/// </summary>
internal sealed class EmbeddedRelay : IAsyncDisposable
{
    public const string RegionCode = "embedded";

    /// <summary>
    /// The embedded region's id when free (else the next free one). Region ids are assigned, not generated, and
    /// devices report their home region as 1-65535; an earlier build left the embedded region at id 0, so every
    /// device's status report was refused and no peer ever learned another's endpoints.
    /// </summary>
    public const int PreferredRegionId = 900;

    private readonly RelayHost _host;

    private EmbeddedRelay(RelayHost host, X509Certificate2 certificate, bool advertisePin)
    {
        _host = host;
        Certificate = certificate;
        AdvertisedPin = advertisePin ? CertificatePin : null;
    }

    public Uri RelayUrl => _host.RelayUrl;

    public IPEndPoint? StunEndpoint => _host.StunEndpoint;

    public X509Certificate2 Certificate { get; }

    /// <summary>SHA-256 of the relay's certificate, for clients that pin a self-signed certificate.</summary>
    public string CertificatePin => TlsTrust.Sha256Of(Certificate);

    /// <summary>
    /// The pin put in the relay map: the development certificate's, or a configured certificate's only when asked
    /// (<c>--relay-tls-pin</c>); a CA-issued certificate is checked against the system store, so renewing it does not
    /// break every device.
    /// </summary>
    public string? AdvertisedPin { get; }

    public PublicKey RelayKey => _host.Server.PublicKey;

    public static async Task<EmbeddedRelay> StartAsync(WebApplication app, EmbeddedRelayOptions options, CancellationToken ct = default)
    {
        var control = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ControlOptions>>().Value;
        var issuer = app.Services.GetRequiredService<RelayTokenIssuer>();
        var loggerFactory = app.Services.GetRequiredService<ILoggerFactory>();

        var relayKey = EmbeddedRelayIdentity.LoadOrCreateKey(EmbeddedRelayIdentity.KeyPath(control, options));
        var certificate = options.TlsCertFile is not null
            ? DevCertificate.LoadPem(options.TlsCertFile, options.TlsKeyFile ?? throw new ArgumentException("--relay-tls-cert needs --relay-tls-key"))
            : EmbeddedRelayIdentity.LoadOrCreateDevCertificate(EmbeddedRelayIdentity.DevCertificatePath(control), options.AdvertisedHost);

        var host = await RelayHost.StartAsync(
            new RelayHostOptions
            {
                Listen = options.Listen,
                Certificate = certificate,
                StunListen = options.StunListen,
                ControlJwksJson = JsonSerializer.Serialize(issuer.Jwks()),
                Issuer = issuer.Issuer,
            },
            new RelayServerOptions { PrivateKey = relayKey, Region = RegionCode },
            loggerFactory,
            cancellationToken: ct);

        var embedded = new EmbeddedRelay(host, certificate, advertisePin: options.TlsCertFile is null || options.PinCertificate);
        await embedded.RegisterAsync(app.Services, options, ct);
        app.Logger.LogInformation(
            "embedded relay on {RelayUrl} (certificate SHA-256 {Pin}), STUN on {Stun}",
            embedded.RelayUrl,
            embedded.CertificatePin,
            embedded.StunEndpoint?.ToString() ?? "off");
        return embedded;
    }

    /// <summary>Creates or updates the global region and its one node so devices learn where the relay is.</summary>
    private async Task RegisterAsync(IServiceProvider services, EmbeddedRelayOptions options, CancellationToken ct)
    {
        using var scope = services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ControlDbContext>();
        db.Scope.SetSystem();
        var region = await db.RelayRegions.Include(r => r.Nodes)
            .FirstOrDefaultAsync(r => r.OrganizationId == null && r.Code == RegionCode, ct);
        if (region is { Id: < 1 or > 65535 })
        {
            // A key cannot change: replace the row (its node goes with it and is re-created below).
            db.RelayRegions.Remove(region);
            await db.SaveChangesAsync(ct);
            region = null;
        }

        if (region is null)
        {
            var taken = await db.RelayRegions.IgnoreQueryFilters().Select(r => r.Id).ToListAsync(ct);
            var id = PreferredRegionId;
            while (taken.Contains(id))
            {
                id++;
            }

            region = new RelayRegion { Id = id, Code = RegionCode, Name = "Embedded relay" };
            db.RelayRegions.Add(region);
        }

        var hostName = options.AdvertisedHost ?? options.Listen.Address.ToString();
        var node = region.Nodes.FirstOrDefault();
        if (node is null)
        {
            node = new RelayNode { Name = "embedded-1", HostName = hostName };
            region.Nodes.Add(node);
        }

        node.HostName = hostName;
        node.Ipv4 = IPAddress.TryParse(hostName, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? hostName : null;
        node.RelayPort = RelayUrl.Port;
        node.StunPort = StunEndpoint?.Port ?? 0;
        node.PublicKey = RelayKey.ToString();
        node.CertificateSha256 = AdvertisedPin;
        if (db.ChangeTracker.HasChanges())
        {
            await db.SaveChangesAsync(ct);
            // Streams held by this or another replica learn the new address, key or pin as a relay-map delta.
            await scope.ServiceProvider.GetRequiredService<ChangeBus>().PublishAsync(db, ChangeSignal.Everything, ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        Certificate.Dispose();
    }
}
