namespace Nexodus.Mesh.Control.Storage;

/// <summary>ES256 key that signs relay admission tokens; shared by all replicas through the database.</summary>
internal sealed class SigningKey
{
    public required string Id { get; set; }

    /// <summary>PKCS#8 DER of the P-256 private key.</summary>
    public required byte[] Pkcs8 { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
