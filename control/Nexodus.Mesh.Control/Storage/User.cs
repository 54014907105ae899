namespace Nexodus.Mesh.Control.Storage;

/// <summary>A human, keyed by (issuer, subject) of whichever OIDC provider vouched for them — never by e-mail.</summary>
internal sealed class User
{
    /// <summary>Issuer value used for accounts of the embedded identity provider.</summary>
    public const string LocalIssuer = "urn:nexodus:local";

    public Guid Id { get; set; }

    public required string Issuer { get; set; }

    public required string Subject { get; set; }

    public string? Email { get; set; }

    public string DisplayName { get; set; } = "";

    /// <summary>Server operator: may create local accounts and global relay regions.</summary>
    public bool IsServerAdmin { get; set; }

    /// <summary>Login name for the embedded provider; null for users of external issuers.</summary>
    public string? UserName { get; set; }

    /// <summary>ASP.NET Core Identity password hash (PBKDF2); null for users of external issuers.</summary>
    public string? PasswordHash { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
