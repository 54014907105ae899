namespace Nexodus.Mesh.Control.Storage;

/// <summary>
/// Who the current request acts for, read by the EF global query filters of <see cref="ControlDbContext"/>.
/// Filled once per request after authentication; background services use <see cref="System"/>.
/// Without a principal (anonymous request) nothing tenant-owned is visible.
/// </summary>
internal sealed class TenantScope
{
    public bool IsSystem { get; private set; }

    /// <summary>Organizations the principal is a member of (users) or belongs to (devices).</summary>
    public List<Guid> OrganizationIds { get; private set; } = [];

    /// <summary>When set (device principals) VPC-bound rows are further limited to these VPCs.</summary>
    public bool RestrictToVpcs { get; private set; }

    public List<Guid> VpcIds { get; private set; } = [];

    public Guid? UserId { get; private set; }

    public Guid? DeviceId { get; private set; }

    public static TenantScope System() => new() { IsSystem = true };

    public void SetSystem() => IsSystem = true;

    public void SetUser(Guid userId, IEnumerable<Guid> organizationIds)
    {
        UserId = userId;
        OrganizationIds = [.. organizationIds];
    }

    public void AddOrganization(Guid organizationId)
    {
        if (!OrganizationIds.Contains(organizationId))
        {
            OrganizationIds = [.. OrganizationIds, organizationId];
        }
    }

    public void RemoveOrganization(Guid organizationId) => OrganizationIds = [.. OrganizationIds.Where(o => o != organizationId)];

    public void SetDevice(Guid deviceId, Guid organizationId, Guid vpcId)
    {
        DeviceId = deviceId;
        OrganizationIds = [organizationId];
        RestrictToVpcs = true;
        VpcIds = [vpcId];
    }
}
