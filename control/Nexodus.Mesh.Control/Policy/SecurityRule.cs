namespace Nexodus.Mesh.Control.Policy;

/// <summary>
/// One allow rule of a security group. Inbound rules name sources, outbound rules name destinations, either as CIDRs
/// or as other security groups of the same VPC (expanded to their members' tunnel addresses when compiled).
/// Ports 0-0 with protocol "any"/"icmp"/"icmpv6" mean "all".
/// </summary>
internal sealed class SecurityRule
{
    public string Protocol { get; set; } = "any";

    public int FromPort { get; set; }

    public int ToPort { get; set; }

    public List<string> Cidrs { get; set; } = [];

    public List<Guid> SecurityGroupIds { get; set; } = [];
}
