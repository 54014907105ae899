using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using Nexodus.Mesh.Control.Storage;
using OpenIddict.Server;

namespace Nexodus.Mesh.Control.Identity;

/// <summary>
/// Gives the embedded provider a persistent RSA signing key and AES encryption key, created at first start and
/// stored in the database so every replica issues and accepts the same tokens.
/// </summary>
internal sealed class ServerKeyConfigurer(IServiceScopeFactory scopes, TimeProvider time) : IConfigureOptions<OpenIddictServerOptions>
{
    private const string SigningId = "oidc-signing-rsa";
    private const string EncryptionId = "oidc-encryption-aes";

    public void Configure(OpenIddictServerOptions options)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ControlDbContext>();
        db.Scope.SetSystem();
        var signing = GetOrCreate(db, SigningId, () =>
        {
            using var rsa = RSA.Create(2048);
            return rsa.ExportPkcs8PrivateKey();
        });
        var encryption = GetOrCreate(db, EncryptionId, () => RandomNumberGenerator.GetBytes(32));

        var rsaKey = RSA.Create();
        rsaKey.ImportPkcs8PrivateKey(signing, out _);
        options.SigningCredentials.Add(new SigningCredentials(new RsaSecurityKey(rsaKey) { KeyId = SigningId }, SecurityAlgorithms.RsaSha256));
        options.EncryptionCredentials.Add(new EncryptingCredentials(
            new SymmetricSecurityKey(encryption) { KeyId = EncryptionId }, SecurityAlgorithms.Aes256KW, SecurityAlgorithms.Aes256CbcHmacSha512));
    }

    private byte[] GetOrCreate(ControlDbContext db, string id, Func<byte[]> create)
    {
        var existing = db.SigningKeys.AsNoTracking().FirstOrDefault(k => k.Id == id);
        if (existing is not null)
        {
            return existing.Pkcs8;
        }

        db.SigningKeys.Add(new SigningKey { Id = id, Pkcs8 = create(), CreatedAt = time.GetUtcNow() });
        try
        {
            db.SaveChanges();
        }
        catch (DbUpdateException)
        {
            // Another replica created it first.
            db.ChangeTracker.Clear();
        }

        return db.SigningKeys.AsNoTracking().First(k => k.Id == id).Pkcs8;
    }
}
