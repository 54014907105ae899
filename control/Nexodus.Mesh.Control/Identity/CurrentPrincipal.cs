using Nexodus.Mesh.Control.Storage;

namespace Nexodus.Mesh.Control.Identity;

/// <summary>The resolved caller of the current request: a user (with roles per organization) or a device.</summary>
internal sealed class CurrentPrincipal
{
    public Guid? UserId { get; set; }

    public bool IsServerAdmin { get; set; }

    public string? Email { get; set; }

    /// <summary>Node key the user's token was approved for (device authorization grant), if any.</summary>
    public string? BoundNodeKey { get; set; }

    public Dictionary<Guid, Role> Roles { get; } = [];

    public Guid? DeviceId { get; set; }

    public Guid? DeviceOrganizationId { get; set; }

    public Guid? DeviceVpcId { get; set; }

    public bool IsUser => UserId is not null;

    public bool IsDevice => DeviceId is not null;

    public Role? RoleIn(Guid organizationId) => Roles.TryGetValue(organizationId, out var r) ? r : null;

    public bool HasRole(Guid organizationId, Role atLeast) => RoleIn(organizationId) is { } r && r >= atLeast;
}
