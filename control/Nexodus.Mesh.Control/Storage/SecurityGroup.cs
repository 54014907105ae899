using Nexodus.Mesh.Control.Policy;

namespace Nexodus.Mesh.Control.Storage;

internal sealed class SecurityGroup
{
    public Guid Id { get; set; }

    public Guid OrganizationId { get; set; }

    public Guid VpcId { get; set; }

    public required string Name { get; set; }

    public string Description { get; set; } = "";

    public List<SecurityRule> InboundRules { get; set; } = [];

    public List<SecurityRule> OutboundRules { get; set; } = [];

    public DateTimeOffset CreatedAt { get; set; }
}
