using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.Relay.Server;

namespace Nexodus.Mesh.Control.Hosting;

/// <summary>
/// The embedded relay's identity on disk, so a restart keeps it: the static key (devices refuse a relay presenting
/// another key) and the self-signed development certificate (devices pin its SHA-256). Both live in the data dir,
/// whatever the database: with PostgreSQL the data dir is the only per-box state, and a new key or certificate at
/// every start would invalidate what every device holds until its map catches up.
/// </summary>
internal static class EmbeddedRelayIdentity
{
    public const string KeyFileName = "relay.key";
    public const string DevCertificateFileName = "relay-dev-cert.pem";

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static string KeyPath(ControlOptions control, EmbeddedRelayOptions options) =>
        options.KeyFile ?? Path.Combine(Path.GetFullPath(control.DataDir), KeyFileName);

    public static string DevCertificatePath(ControlOptions control) => Path.Combine(Path.GetFullPath(control.DataDir), DevCertificateFileName);

    public static PrivateKey LoadOrCreateKey(string path)
    {
        if (File.Exists(path))
        {
            var text = File.ReadAllText(path).Trim();
            return PrivateKey.TryParse(text, out var key)
                ? key!
                : throw new ArgumentException($"{path}: not a relay private key (44 characters of base64); delete it to create a new one");
        }

        var created = PrivateKey.Generate();
        WriteOwnerOnly(path, created.ExportText() + "\n");
        return created;
    }

    /// <summary>
    /// Loads the development certificate kept in the data dir, or makes one and keeps it. Devices check it by pin
    /// only (no chain, names or dates), so it stays valid until the file is deleted; deleting it rotates the pin, which
    /// reaches devices as a relay-map delta at the next start.
    /// </summary>
    public static X509Certificate2 LoadOrCreateDevCertificate(string path, string? advertisedHost)
    {
        if (File.Exists(path))
        {
            try
            {
                return DevCertificate.LoadPem(path, path);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"{path}: not a PEM certificate with its private key ({e.InnerException?.Message}); delete it to create a new one", e);
            }
        }

        var certificate = DevCertificate.Create(advertisedHost is null ? null : [advertisedHost]);
        using var key = certificate.GetECDsaPrivateKey() ?? throw new CryptographicException("development certificate has no ECDSA key");
        WriteOwnerOnly(path, certificate.ExportCertificatePem() + "\n" + key.ExportPkcs8PrivateKeyPem() + "\n");
        return certificate;
    }

    /// <summary>Creates the file with mode 0600 from the first byte (no window where it is world-readable).</summary>
    private static void WriteOwnerOnly(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnly;
        }

        using (var file = new FileStream(path, options))
        using (var writer = new StreamWriter(file))
        {
            writer.Write(text);
        }

        if (!OperatingSystem.IsWindows())
        {
            // The umask can only remove bits, but be explicit in case the file system ignores the create mode.
            File.SetUnixFileMode(path, OwnerOnly);
        }
    }
}
