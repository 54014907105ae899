namespace Nexodus.Mesh.Control.Storage;

internal sealed class Organization
{
    public Guid Id { get; set; }

    public required string Name { get; set; }

    public string Description { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }
}
