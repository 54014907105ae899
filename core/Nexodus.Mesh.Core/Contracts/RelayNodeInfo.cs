namespace Nexodus.Mesh.Core.Contracts;

/// <summary>
/// One relay server of a region. Nodes reach it at <c>https://HostName:RelayPort/relay</c> (TLS), and STUN at
/// <c>HostName:StunPort</c> (UDP; 0 = none). <see cref="PublicKey"/> is the relay's static Curve25519 key (base64):
/// the relay client refuses a server presenting any other key. <see cref="CertificateSha256"/>, when set, pins the
/// relay's TLS certificate (hex SHA-256 of the DER certificate, as printed by the relay) instead of the system CA store.
/// </summary>
public sealed record RelayNodeInfo
{
    public string Name { get; init; } = "";

    public string HostName { get; init; } = "";

    public string? Ipv4 { get; init; }

    public string? Ipv6 { get; init; }

    public int RelayPort { get; init; }

    public int StunPort { get; init; }

    /// <summary>Base64 Curve25519 public key of the relay; empty when control does not know it (then unchecked).</summary>
    public string PublicKey { get; init; } = "";

    /// <summary>Hex SHA-256 of the relay's TLS certificate; null = validate with the system CA store.</summary>
    public string? CertificateSha256 { get; init; }
}
