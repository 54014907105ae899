using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace Nexodus.Mesh.Relay.Admission;

/// <summary>Parses a JWKS document and keeps only the keys usable for ES256 admission tokens.</summary>
internal static class JwksParser
{
    /// <summary>Throws <see cref="FormatException"/> with a message naming what is wrong.</summary>
    public static IReadOnlyList<SecurityKey> Parse(string json, string origin)
    {
        JsonWebKeySet set;
        try
        {
            set = new JsonWebKeySet(json);
        }
        catch (Exception e) when (e is ArgumentException or JsonException or InvalidOperationException)
        {
            throw new FormatException($"{origin}: not a JWKS document ({e.Message})", e);
        }

        var keys = new List<SecurityKey>();
        foreach (var key in set.Keys)
        {
            // Only P-256 signing keys can verify ES256; anything else in the set is ignored, not trusted.
            if (key.Kty == JsonWebAlgorithmsKeyTypes.EllipticCurve && key.Crv == JsonWebKeyECTypes.P256 && key.Use is null or "sig")
            {
                keys.Add(key);
            }
        }

        if (keys.Count == 0)
        {
            throw new FormatException($"{origin}: the JWKS has no EC P-256 signing key (expected {{\"keys\":[{{\"kty\":\"EC\",\"crv\":\"P-256\",...}}]}})");
        }

        return keys;
    }
}
