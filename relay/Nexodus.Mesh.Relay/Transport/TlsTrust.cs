using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Nexodus.Mesh.Relay.Transport;

/// <summary>
/// How a dialer trusts the relay's certificate: the system's CA store (default), or a SHA-256 pin of the
/// certificate (dev certs, tests, mesh peers with self-signed certs). A pin replaces chain validation for that
/// one certificate only; the relay's identity is still proven separately by its static key.
/// </summary>
public sealed record TlsTrust(IReadOnlyCollection<string> PinnedSha256)
{
    public static readonly TlsTrust System = new([]);

    public static TlsTrust Pin(params string[] sha256) => new(sha256);

    /// <summary>Uppercase hex SHA-256 of the DER certificate, the form used for pins.</summary>
    public static string Sha256Of(X509Certificate certificate) => Convert.ToHexString(SHA256.HashData(certificate.GetRawCertData()));

    public bool Validate(X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (PinnedSha256.Count == 0)
        {
            return errors == SslPolicyErrors.None;
        }

        if (certificate is null)
        {
            return false;
        }

        var actual = Sha256Of(certificate);
        foreach (var pin in PinnedSha256)
        {
            if (string.Equals(pin.Replace(":", "", StringComparison.Ordinal), actual, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
