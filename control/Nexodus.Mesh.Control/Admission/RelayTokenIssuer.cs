using System.Buffers.Text;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Nexodus.Mesh.Control.Hosting;
using Nexodus.Mesh.Control.Storage;

namespace Nexodus.Mesh.Control.Admission;

/// <summary>
/// Signs relay admission tokens (ES256 JWT, typ "nexodus-relay+jwt", aud "nexodus-relay", sub = node key,
/// vpc = VPC ids) with a P-256 key created at first start and kept in the database, so all replicas sign with the
/// same key and the relay's JWKS stays valid across restarts.
/// </summary>
internal sealed class RelayTokenIssuer(IServiceScopeFactory scopes, IOptions<ControlOptions> options, TimeProvider time)
{
    public const string Audience = "nexodus-relay";
    public const string TokenType = "nexodus-relay+jwt";
    private const string KeyPrefix = "relay-es256-";
    private readonly Lock _lock = new();
    private ECDsaSecurityKey? _key;

    public string Issuer => (options.Value.PublicUrl ?? options.Value.Listen.Split(';')[0]).TrimEnd('/');

    public (string Token, DateTimeOffset ExpiresAt) Issue(string nodeKey, IReadOnlyList<Guid> vpcIds)
    {
        var key = Key();
        var now = time.GetUtcNow();
        var exp = now + options.Value.RelayTokenLifetime;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            Subject = null,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = exp.UtcDateTime,
            TokenType = TokenType,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.EcdsaSha256),
            Claims = new Dictionary<string, object>
            {
                ["sub"] = nodeKey,
                ["vpc"] = vpcIds.Select(v => v.ToString("D")).ToArray(),
                ["jti"] = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16)),
            },
        };
        var token = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
        // JWT times are whole seconds; report the expiry the token actually carries.
        return (token, DateTimeOffset.FromUnixTimeSeconds(exp.ToUnixTimeSeconds()));
    }

    /// <summary>The JWKS document served at /api/relay/jwks.</summary>
    public object Jwks()
    {
        var key = Key();
        var p = key.ECDsa.ExportParameters(false);
        return new
        {
            keys = new[]
            {
                new { kty = "EC", crv = "P-256", x = Base64Url.EncodeToString(p.Q.X), y = Base64Url.EncodeToString(p.Q.Y), kid = key.KeyId, use = "sig", alg = "ES256" },
            },
        };
    }

    public ECDsaSecurityKey Key()
    {
        lock (_lock)
        {
            return _key ??= LoadOrCreate();
        }
    }

    private ECDsaSecurityKey LoadOrCreate()
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ControlDbContext>();
        db.Scope.SetSystem();
        var stored = db.SigningKeys.AsNoTracking().Where(k => k.Id.StartsWith(KeyPrefix)).OrderBy(k => k.Id).FirstOrDefault();
        if (stored is null)
        {
            using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            db.SigningKeys.Add(new SigningKey
            {
                Id = KeyPrefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(8)),
                Pkcs8 = ec.ExportPkcs8PrivateKey(),
                CreatedAt = time.GetUtcNow(),
            });
            try
            {
                db.SaveChanges();
            }
            catch (DbUpdateException)
            {
                db.ChangeTracker.Clear();
            }

            // Re-read so that concurrent first starts of several replicas all settle on the same (lowest) key id.
            stored = db.SigningKeys.AsNoTracking().Where(k => k.Id.StartsWith(KeyPrefix)).OrderBy(k => k.Id).First();
        }

        var ecdsa = ECDsa.Create();
        ecdsa.ImportPkcs8PrivateKey(stored.Pkcs8, out _);
        return new ECDsaSecurityKey(ecdsa) { KeyId = stored.Id[KeyPrefix.Length..] };
    }
}
