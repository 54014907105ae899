namespace Nexodus.Mesh.Core.Contracts;

/// <summary>
/// POST /api/enroll. Authenticated either by a user bearer token (then <see cref="VpcId"/> is required) or by a
/// registration key in <see cref="RegistrationKey"/> (then the key decides the VPC and security group).
/// </summary>
public sealed record EnrollRequest
{
    public string NodeKey { get; init; } = "";

    public string DiscoKey { get; init; } = "";

    public string Hostname { get; init; } = "";

    public string Os { get; init; } = "";

    public Guid? VpcId { get; init; }

    public string? RegistrationKey { get; init; }

    /// <summary>Optional wish for a specific IPv4 address inside the VPC range; 409 if taken.</summary>
    public string? RequestedIpv4 { get; init; }
}
