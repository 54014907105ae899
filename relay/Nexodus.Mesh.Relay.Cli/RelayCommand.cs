using System.CommandLine;
using System.Net;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Nexodus.Mesh.Relay.Server;
using Nexodus.Mesh.Relay.Transport;

namespace Nexodus.Mesh.Relay.Cli;

/// <summary>The <c>nexodus-relay</c> command line: flags → <see cref="RelayHostOptions"/> + <see cref="RelayServerOptions"/>.</summary>
internal static class RelayCommand
{
    public static RootCommand Create()
    {
        var listen = new Option<string>("--listen") { Description = "Address:port for HTTPS (/relay, /relay/probe, /healthz, /metrics)", DefaultValueFactory = _ => "0.0.0.0:443" };
        var tlsCert = new Option<FileInfo?>("--tls-cert") { Description = "PEM certificate (chain) file" };
        var tlsKey = new Option<FileInfo?>("--tls-key") { Description = "PEM private key file for --tls-cert" };
        var devTls = new Option<bool>("--dev-tls") { Description = "Serve a self-signed certificate generated in memory (clients pin its SHA-256, printed at start)" };
        var plainHttp = new Option<bool>("--plain-http") { Description = "No TLS at all: only behind a TLS-terminating proxy" };
        var region = new Option<string>("--region") { Description = "Region name of this relay", DefaultValueFactory = _ => "default" };
        var keyFile = new Option<string>("--key-file") { Description = "The relay's static key (created on first start)", DefaultValueFactory = _ => "nexodus-relay.key" };
        var meshPeer = new Option<Uri[]>("--mesh-peer") { Description = "Another relay of the region, e.g. https://relay2:443/relay (repeatable)", AllowMultipleArgumentsPerToken = false };
        var meshKey = new Option<string?>("--mesh-key") { Description = "Shared mesh secret of the region (hex or base64, ≥ 16 bytes)" };
        var meshKeyFile = new Option<FileInfo?>("--mesh-key-file") { Description = "File holding the mesh secret" };
        var meshPin = new Option<string[]>("--mesh-pin") { Description = "SHA-256 of a mesh peer's certificate to trust (self-signed peers; repeatable)" };
        var controlJwks = new Option<Uri?>("--control-jwks") { Description = "URL of control's JWKS (e.g. https://control/api/relay/jwks)" };
        var controlKey = new Option<FileInfo?>("--control-key") { Description = "JWKS file with control's admission-token keys" };
        var controlIssuer = new Option<string?>("--control-issuer") { Description = "Required iss of admission tokens (default: any issuer whose key is in the JWKS)" };
        var controlPin = new Option<string?>("--control-pin") { Description = "SHA-256 pin of control's certificate when fetching the JWKS (dev control)" };
        var rate = new Option<string>("--rate-limit") { Description = "Per-client receive rate in bytes/s (K/M/G suffixes; 0 = unlimited)", DefaultValueFactory = _ => "0" };
        var burst = new Option<string>("--rate-burst") { Description = "Per-client burst in bytes (≥ 64K)", DefaultValueFactory = _ => "1M" };
        var metrics = new Option<string?>("--metrics") { Description = "Separate plain-HTTP address:port for /metrics (default: on the main listener)" };
        var stun = new Option<string>("--stun-listen") { Description = "UDP address:port of the embedded STUN server, or 'off'", DefaultValueFactory = _ => "0.0.0.0:3478" };
        var stunAlternate = new Option<string?>("--stun-alternate-ip") { Description = "Second IP of this host for RFC 5780 NAT behaviour discovery (needs a specific --stun-listen address)" };
        var maxPending = new Option<int>("--max-pending-handshakes") { Description = "Connections allowed at once that have not authenticated yet; more are refused (busy)", DefaultValueFactory = _ => 512 };
        var keepAlive = new Option<int>("--keepalive") { Description = "Keepalive interval in seconds", DefaultValueFactory = _ => 30 };
        var logLevel = new Option<LogLevel>("--log-level") { Description = "Trace, Debug, Information, Warning, Error", DefaultValueFactory = _ => LogLevel.Information };

        var root = new RootCommand("nexodus-relay: forwards WireGuard ciphertext between admitted node keys that share a VPC")
        {
            listen, tlsCert, tlsKey, devTls, plainHttp, region, keyFile, meshPeer, meshKey, meshKeyFile, meshPin,
            controlJwks, controlKey, controlIssuer, controlPin, rate, burst, metrics, stun, stunAlternate, maxPending, keepAlive, logLevel,
        };

        root.SetAction(async (parse, ct) =>
        {
            using var loggerFactory = LoggerFactory.Create(b => b
                .AddSimpleConsole(o => o.SingleLine = true)
                .SetMinimumLevel(parse.GetValue(logLevel))
                .AddFilter("Microsoft", parse.GetValue(logLevel) < LogLevel.Information ? parse.GetValue(logLevel) : LogLevel.Warning));
            var log = loggerFactory.CreateLogger("nexodus-relay");
            RelayHost host;
            try
            {
                var certificate = Certificate(parse.GetValue(tlsCert), parse.GetValue(tlsKey), parse.GetValue(devTls), parse.GetValue(plainHttp));
                if (parse.GetValue(devTls))
                {
                    Console.Error.WriteLine($"dev TLS certificate SHA-256 (pin this in clients): {TlsTrust.Sha256Of(certificate!)}");
                }

                var jwks = parse.GetValue(controlJwks);
                var jwksFile = parse.GetValue(controlKey);
                if ((jwks is null) == (jwksFile is null))
                {
                    throw new ArgumentException("give exactly one of --control-jwks URL or --control-key FILE (control's admission-token keys)");
                }

                byte[]? mesh = null;
                if (parse.GetValue(meshKey) is { } mk)
                {
                    mesh = CliParsing.MeshKey("--mesh-key", mk);
                }
                else if (parse.GetValue(meshKeyFile) is { } mkf)
                {
                    mesh = CliParsing.MeshKey("--mesh-key-file", ReadFile("--mesh-key-file", mkf));
                }

                var metricsText = parse.GetValue(metrics);
                var stunText = parse.GetValue(stun)!;
                var hostOptions = new RelayHostOptions
                {
                    Listen = CliParsing.Endpoint("--listen", parse.GetValue(listen)!, 443),
                    Certificate = certificate,
                    MetricsListen = metricsText is null ? null : CliParsing.Endpoint("--metrics", metricsText, 9090),
                    StunListen = stunText == "off" ? null : CliParsing.Endpoint("--stun-listen", stunText, 3478),
                    StunAlternateIp = parse.GetValue(stunAlternate) is { } alt
                        ? (IPAddress.TryParse(alt, out var altIp) ? altIp : throw new ArgumentException($"--stun-alternate-ip {alt}: not an IP address"))
                        : null,
                    ControlJwks = jwks,
                    ControlKeyFile = jwksFile?.FullName,
                    Issuer = parse.GetValue(controlIssuer),
                    ControlTrust = parse.GetValue(controlPin) is { } cp ? TlsTrust.Pin(cp) : TlsTrust.System,
                };
                var pins = parse.GetValue(meshPin) ?? [];
                var relayOptions = new RelayServerOptions
                {
                    PrivateKey = CliParsing.LoadOrCreateKey(parse.GetValue(keyFile)!),
                    Region = parse.GetValue(region)!,
                    MeshKey = mesh,
                    MeshPeers = parse.GetValue(meshPeer) ?? [],
                    MeshTrust = pins.Length > 0 ? TlsTrust.Pin(pins) : TlsTrust.System,
                    RateBytesPerSecond = CliParsing.Bytes("--rate-limit", parse.GetValue(rate)!),
                    RateBurstBytes = CliParsing.Bytes("--rate-burst", parse.GetValue(burst)!),
                    KeepAlive = TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(keepAlive))),
                    MaxPendingHandshakes = parse.GetValue(maxPending),
                };
                host = await RelayHost.StartAsync(hostOptions, relayOptions, loggerFactory, TimeProvider.System, ct);
            }
            catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException or NotSupportedException or IOException)
            {
                Console.Error.WriteLine($"nexodus-relay: {e.Message}");
                return 2;
            }

            Console.Error.WriteLine($"nexodus-relay: serving {host.RelayUrl} key {host.Server.PublicKey}");
            var stopped = new TaskCompletionSource();
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
            {
                c.Cancel = true;
                stopped.TrySetResult();
            });
            using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, c =>
            {
                c.Cancel = true;
                stopped.TrySetResult();
            });
            await stopped.Task.WaitAsync(ct).ContinueWith(_ => { }, TaskScheduler.Default);
            log.LogInformation("Stopping: telling clients to reconnect in 1 s");
            await host.StopAsync(TimeSpan.FromSeconds(1));
            return 0;
        });
        return root;
    }

    private static string ReadFile(string flag, FileInfo file)
    {
        try
        {
            return File.ReadAllText(file.FullName);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"{flag} {file}: cannot read ({e.Message})", e);
        }
    }

    private static System.Security.Cryptography.X509Certificates.X509Certificate2? Certificate(FileInfo? cert, FileInfo? key, bool dev, bool plain)
    {
        var modes = (cert is not null || key is not null ? 1 : 0) + (dev ? 1 : 0) + (plain ? 1 : 0);
        if (modes != 1)
        {
            throw new ArgumentException("choose one TLS mode: --tls-cert FILE --tls-key FILE, or --dev-tls, or --plain-http (behind a TLS proxy only)");
        }

        if (dev)
        {
            return DevCertificate.Create([Dns.GetHostName()]);
        }

        if (plain)
        {
            return null;
        }

        if (cert is null || key is null)
        {
            throw new ArgumentException("--tls-cert and --tls-key go together (PEM certificate chain and its private key)");
        }

        return DevCertificate.LoadPem(cert.FullName, key.FullName);
    }
}
