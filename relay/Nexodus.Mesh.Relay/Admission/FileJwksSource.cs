using Microsoft.IdentityModel.Tokens;

namespace Nexodus.Mesh.Relay.Admission;

/// <summary>A JWKS read once from a file or a string (<c>--control-key FILE</c>, tests).</summary>
public sealed class FileJwksSource : IJwksSource
{
    private FileJwksSource(IReadOnlyList<SecurityKey> keys) => Keys = keys;

    public IReadOnlyList<SecurityKey> Keys { get; }

    public static FileJwksSource FromFile(string path)
    {
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FormatException($"--control-key {path}: cannot read the file ({e.Message})", e);
        }

        return new FileJwksSource(JwksParser.Parse(json, $"--control-key {path}"));
    }

    public static FileJwksSource FromJson(string json) => new(JwksParser.Parse(json, "JWKS"));

    public ValueTask<bool> RefreshForUnknownKeyAsync(CancellationToken cancellationToken) => ValueTask.FromResult(false);
}
