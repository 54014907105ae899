using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Nexodus.Mesh.Relay.Server;

/// <summary>
/// A self-signed certificate made in memory for <c>--dev-tls</c> and tests (localhost, 127.0.0.1, ::1 and the given
/// names). Clients trust it by pinning its SHA-256, which the relay logs at start.
/// </summary>
public static class DevCertificate
{
    public static X509Certificate2 Create(IEnumerable<string>? extraNames = null, TimeProvider? time = null)
    {
        var now = (time ?? TimeProvider.System).GetUtcNow();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=nexodus-relay dev", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        san.AddIpAddress(IPAddress.IPv6Loopback);
        foreach (var name in extraNames ?? [])
        {
            if (IPAddress.TryParse(name, out var ip))
            {
                san.AddIpAddress(ip);
            }
            else
            {
                san.AddDnsName(name);
            }
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var cert = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(30));

        // Round-trip through PKCS#12 so the private key is usable by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>Loads a PEM certificate (chain) and key, with a message that names the flag on failure.</summary>
    public static X509Certificate2 LoadPem(string certPath, string keyPath)
    {
        try
        {
            using var cert = X509Certificate2.CreateFromPemFile(certPath, keyPath);
            return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new ArgumentException($"--tls-cert {certPath} / --tls-key {keyPath}: cannot load the PEM certificate and key ({e.Message})", e);
        }
    }
}
