using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Nexodus.Mesh.Core.Keys;

namespace Nexodus.Mesh.TestDoubles.Relay;

/// <summary>
/// Stands in for control's relay-admission signer (RELAY-ADMISSION.md): an ES256 key, its JWKS, and tokens with
/// the contract's header and claims. Knobs exist to make the bad tokens the security tests need.
/// </summary>
public sealed class TestTokenIssuer : IDisposable
{
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ECDsaSecurityKey _securityKey;

    public TestTokenIssuer(string issuer = "https://control.test", string? kid = null)
    {
        Issuer = issuer;
        Kid = kid ?? Convert.ToHexString(RandomNumberGenerator.GetBytes(8)).ToLowerInvariant();
        _securityKey = new ECDsaSecurityKey(_key) { KeyId = Kid };
    }

    public string Issuer { get; }

    public string Kid { get; }

    /// <summary><c>{"keys":[{kty:"EC",crv:"P-256",x,y,kid,use:"sig",alg:"ES256"}]}</c>, as control publishes it.</summary>
    public string JwksJson
    {
        get
        {
            var p = _key.ExportParameters(false);
            var jwk = new Dictionary<string, string>
            {
                ["kty"] = "EC",
                ["crv"] = "P-256",
                ["x"] = Base64UrlEncoder.Encode(p.Q.X),
                ["y"] = Base64UrlEncoder.Encode(p.Q.Y),
                ["kid"] = Kid,
                ["use"] = "sig",
                ["alg"] = "ES256",
            };
            return JsonSerializer.Serialize(new { keys = new[] { jwk } });
        }
    }

    /// <summary>A token for <paramref name="subject"/> in <paramref name="vpcs"/>; by default valid for 15 minutes from now.</summary>
    public string Issue(PublicKey subject, IEnumerable<Guid> vpcs, TimeSpan? lifetime = null, DateTimeOffset? issuedAt = null, string audience = "nexodus-relay", string type = "nexodus-relay+jwt", string? subjectOverride = null, string[]? vpcOverride = null)
    {
        var iat = issuedAt ?? DateTimeOffset.UtcNow;
        var exp = iat + (lifetime ?? TimeSpan.FromMinutes(15));
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = audience,
            IssuedAt = iat.UtcDateTime,
            NotBefore = iat.UtcDateTime,
            Expires = exp.UtcDateTime,
            TokenType = type,
            SigningCredentials = new SigningCredentials(_securityKey, SecurityAlgorithms.EcdsaSha256),
            Claims = new Dictionary<string, object>
            {
                ["sub"] = subjectOverride ?? subject.ToString(),
                ["vpc"] = vpcOverride ?? vpcs.Select(v => v.ToString("D")).ToArray(),
                ["jti"] = Guid.NewGuid().ToString("N"),
            },
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }

    public void Dispose() => _key.Dispose();
}
