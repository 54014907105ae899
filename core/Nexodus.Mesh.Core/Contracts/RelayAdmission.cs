namespace Nexodus.Mesh.Core.Contracts;

/// <summary>The relay admission JWT (see RELAY-ADMISSION contract) and when it expires; refreshed by a delta.</summary>
public sealed record RelayAdmission
{
    public string Token { get; init; } = "";

    public DateTimeOffset ExpiresAt { get; init; }
}
