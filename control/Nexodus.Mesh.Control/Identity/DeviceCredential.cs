using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Nexodus.Mesh.Control.Identity;

/// <summary>
/// Device credentials and registration-key secrets: 256-bit random values with a readable prefix. They are stored as
/// SHA-256 only; with that much entropy a slow password hash buys nothing and would make every device call expensive.
/// </summary>
internal static class DeviceCredential
{
    public const string DevicePrefix = "ndc_";
    public const string RegistrationKeyPrefix = "nrk_";

    public static string NewSecret(string prefix) => prefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    public static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    /// <summary>Rejects obviously malformed secrets before touching the database.</summary>
    public static bool LooksValid(string? secret, string prefix) =>
        secret is not null && secret.Length == prefix.Length + 43 && secret.StartsWith(prefix, StringComparison.Ordinal);
}
