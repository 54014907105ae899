using System.Text;
using System.Text.Json;
using Nexodus.Mesh.Core.Keys;

namespace Nexodus.Mesh.Node.ControlPlane;

/// <summary>
/// The node's state dir (0700, files 0600): node.key, disco.key, credential.sealed (base64, exactly as control sent
/// it: only the node key opens it), device.json (device id, addresses, listen port, last revision). Files are
/// replaced atomically (write temp + rename). A file that exists but does not parse is an error naming the file;
/// nothing is ever deleted or overwritten to "repair" it.
/// </summary>
internal sealed class StateStore
{
    public const string NodeKeyFile = "node.key";
    public const string DiscoKeyFile = "disco.key";
    public const string CredentialFile = "credential.sealed";
    public const string DeviceFile = "device.json";

    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode DirMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public StateStore(string directory) => Directory = Path.GetFullPath(directory);

    public string Directory { get; }

    /// <summary>Creates the dir if missing (0700); an existing dir keeps its contents.</summary>
    public void Ensure()
    {
        if (OperatingSystem.IsWindows())
        {
            System.IO.Directory.CreateDirectory(Directory);
        }
        else if (!System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.CreateDirectory(Directory, DirMode);
        }
    }

    /// <summary>The node key: loaded, or generated and saved when the dir has none yet.</summary>
    public PrivateKey LoadOrCreateKey(string file)
    {
        var path = Path.Combine(Directory, file);
        if (File.Exists(path))
        {
            var text = ReadText(path).Trim();
            if (!PrivateKey.TryParse(text, out var key) || key is null)
            {
                throw new StateDirException($"{path} is not a base64 Curve25519 private key; restore it from a backup or move the state dir {Directory} away to enroll as a new device");
            }

            return key;
        }

        var fresh = PrivateKey.Generate();
        WriteAtomic(path, fresh.ExportText() + "\n");
        return fresh;
    }

    /// <summary>The sealed credential as received, or null when not enrolled.</summary>
    public byte[]? LoadSealedCredential()
    {
        var path = Path.Combine(Directory, CredentialFile);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return Convert.FromBase64String(ReadText(path).Trim());
        }
        catch (FormatException)
        {
            throw new StateDirException($"{path} is not base64; restore it or move the state dir {Directory} away to enroll again");
        }
    }

    public void SaveSealedCredential(string base64) => WriteAtomic(Path.Combine(Directory, CredentialFile), base64 + "\n");

    public NodeStateRecord? LoadDevice()
    {
        var path = Path.Combine(Directory, DeviceFile);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            var record = JsonSerializer.Deserialize(ReadText(path), StateJsonContext.Default.NodeStateRecord);
            if (record is null || record.DeviceId == Guid.Empty || record.Ipv4.Length == 0)
            {
                throw new StateDirException($"{path} lacks deviceId/ipv4; restore it or move the state dir {Directory} away to enroll again");
            }

            return record;
        }
        catch (JsonException e)
        {
            throw new StateDirException($"{path} is not valid JSON ({e.Message}); restore it or move the state dir {Directory} away to enroll again");
        }
    }

    public void SaveDevice(NodeStateRecord record) =>
        WriteAtomic(Path.Combine(Directory, DeviceFile), JsonSerializer.Serialize(record, StateJsonContext.Default.NodeStateRecord) + "\n");

    private static string ReadText(string path)
    {
        try
        {
            return File.ReadAllText(path, Encoding.UTF8);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StateDirException($"cannot read {path}: {e.Message}");
        }
    }

    private static void WriteAtomic(string path, string content)
    {
        var temp = path + ".tmp";
        var fileOptions = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            // Created 0600 from the first byte: a key must never be readable by others, not even briefly.
            fileOptions.UnixCreateMode = PrivateFile;
        }

        using (var stream = new FileStream(temp, fileOptions))
        {
            stream.Write(Encoding.UTF8.GetBytes(content));
            stream.Flush(flushToDisk: true);
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temp, PrivateFile);
        }
        File.Move(temp, path, overwrite: true);
    }
}
