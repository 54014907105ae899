using System.Diagnostics.CodeAnalysis;
using System.Net;

namespace Nexodus.Mesh.Control.Hosting;

/// <summary>
/// Takes the embedded-relay flags out of the command line (the rest goes to configuration). The one-box default is
/// an embedded relay and STUN server; <c>--no-embedded-relay</c> turns both off for deployments with separate relays.
/// </summary>
internal static class EmbeddedRelayArguments
{
    public static bool TryParse(string[] args, out string[] rest, out EmbeddedRelayOptions? options, [NotNullWhen(false)] out string? error)
    {
        var others = new List<string>();
        var enabled = true;
        var pin = false;
        IPEndPoint listen = new(IPAddress.Loopback, 8443);
        IPEndPoint? stun = new(IPAddress.Loopback, 3478);
        string? host = null, cert = null, key = null, keyFile = null;
        rest = [];
        options = null;
        error = null;
        for (var i = 0; i < args.Length; i++)
        {
            var a = args[i];
            switch (a)
            {
                case "--no-embedded-relay":
                    enabled = false;
                    continue;
                case "--relay-tls-pin":
                    pin = true;
                    continue;
                case "--relay-listen" or "--stun-listen" or "--relay-host" or "--relay-tls-cert" or "--relay-tls-key" or "--relay-key-file":
                    if (i + 1 >= args.Length)
                    {
                        error = $"{a} needs a value";
                        return false;
                    }

                    var v = args[++i];
                    if (a == "--relay-listen" && !TryEndpoint(v, out listen!))
                    {
                        error = $"--relay-listen: '{v}' is not IP:PORT (e.g. 0.0.0.0:8443)";
                        return false;
                    }

                    if (a == "--stun-listen")
                    {
                        if (v == "off")
                        {
                            stun = null;
                        }
                        else if (!TryEndpoint(v, out stun))
                        {
                            error = $"--stun-listen: '{v}' is not IP:PORT or 'off' (e.g. 0.0.0.0:3478)";
                            return false;
                        }
                    }

                    host = a == "--relay-host" ? v : host;
                    cert = a == "--relay-tls-cert" ? v : cert;
                    key = a == "--relay-tls-key" ? v : key;
                    keyFile = a == "--relay-key-file" ? v : keyFile;
                    continue;
                default:
                    others.Add(a);
                    continue;
            }
        }

        if ((cert is null) != (key is null))
        {
            error = "--relay-tls-cert and --relay-tls-key go together (PEM certificate and its private key)";
            return false;
        }

        if (pin && cert is null)
        {
            error = "--relay-tls-pin pins the certificate given with --relay-tls-cert (the development certificate is always pinned)";
            return false;
        }

        rest = [.. others];
        options = enabled
            ? new EmbeddedRelayOptions
            {
                Listen = listen,
                StunListen = stun,
                AdvertisedHost = host,
                TlsCertFile = cert,
                TlsKeyFile = key,
                PinCertificate = pin,
                KeyFile = keyFile,
            }
            : null;
        return true;
    }

    private static bool TryEndpoint(string text, [NotNullWhen(true)] out IPEndPoint? endpoint) =>
        IPEndPoint.TryParse(text, out endpoint) && endpoint.Port is > 0 and <= 65535;
}
