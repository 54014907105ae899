using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Nexodus.Mesh.Control.Admission;
using Nexodus.Mesh.Control.Storage;
using Nexodus.Mesh.Core.Keys;
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

    private readonly RelayHost _host;

    private EmbeddedRelay(RelayHost host, X509Certificate2 certificate)
    {
        _host = host;
        Certificate = certificate;
    }

    public Uri RelayUrl => _host.RelayUrl;

    public IPEndPoint? StunEndpoint => _host.StunEndpoint;

    public X509Certificate2 Certificate { get; }

    /// <summary>SHA-256 of the relay's certificate, for clients that pin a self-signed certificate.</summary>
    public string CertificatePin => TlsTrust.Sha256Of(Certificate);

    public PublicKey RelayKey => _host.Server.PublicKey;

    public static async Task<EmbeddedRelay> StartAsync(WebApplication app, EmbeddedRelayOptions options, CancellationToken ct = default)
    {
        var control = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ControlOptions>>().Value;
        var issuer = app.Services.GetRequiredService<RelayTokenIssuer>();
        var loggerFactory = app.Services.GetRequiredService<ILoggerFactory>();

        var relayKey = LoadOrCreateKey(control, options);
        var certificate = options.TlsCertFile is not null
            ? DevCertificate.LoadPem(options.TlsCertFile, options.TlsKeyFile ?? throw new ArgumentException("--relay-tls-cert needs --relay-tls-key"))
            : DevCertificate.Create(options.AdvertisedHost is null ? null : [options.AdvertisedHost]);

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

        var embedded = new EmbeddedRelay(host, certificate);
        await embedded.RegisterAsync(app.Services, options, ct);
        app.Logger.LogInformation(
            "embedded relay on {RelayUrl} (certificate SHA-256 {Pin}), STUN on {Stun}",
            embedded.RelayUrl,
            embedded.CertificatePin,
            embedded.StunEndpoint?.ToString() ?? "off");
        return embedded;
    }

    /// <summary>The relay key is kept in the data dir so a restart keeps the relay's identity.</summary>
    private static PrivateKey LoadOrCreateKey(ControlOptions control, EmbeddedRelayOptions options)
    {
        if (options.KeyFile is null && control.Db != "sqlite")
        {
            return PrivateKey.Generate();
        }

        var path = options.KeyFile ?? Path.Combine(control.DataDir, "relay.key");
        if (File.Exists(path))
        {
            var text = File.ReadAllText(path).Trim();
            return PrivateKey.TryParse(text, out var key)
                ? key!
                : throw new ArgumentException($"{path}: not a relay private key (44 characters of base64); delete it to create a new one");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var created = PrivateKey.Generate();
        File.WriteAllText(path, created.ExportText() + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return created;
    }

    /// <summary>Creates or updates the global region and its one node so devices learn where the relay is.</summary>
    private async Task RegisterAsync(IServiceProvider services, EmbeddedRelayOptions options, CancellationToken ct)
    {
        using var scope = services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ControlDbContext>();
        db.Scope.SetSystem();
        var region = await db.RelayRegions.Include(r => r.Nodes)
            .FirstOrDefaultAsync(r => r.OrganizationId == null && r.Code == RegionCode, ct);
        if (region is null)
        {
            region = new RelayRegion { Code = RegionCode, Name = "Embedded relay" };
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
        await db.SaveChangesAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        Certificate.Dispose();
    }
}
