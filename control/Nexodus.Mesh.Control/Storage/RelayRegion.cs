namespace Nexodus.Mesh.Control.Storage;

/// <summary>A relay region; global when <see cref="OrganizationId"/> is null, otherwise operated by that organization.</summary>
internal sealed class RelayRegion
{
    public int Id { get; set; }

    public Guid? OrganizationId { get; set; }

    public required string Code { get; set; }

    public required string Name { get; set; }

    public List<RelayNode> Nodes { get; set; } = [];
}
