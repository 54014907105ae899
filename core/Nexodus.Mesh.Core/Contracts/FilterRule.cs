namespace Nexodus.Mesh.Core.Contracts;

/// <summary>Protocol is "any", "tcp", "udp", "icmp" or "icmpv6"; ports 0-0 mean all ports.</summary>
public sealed record FilterRule
{
    public string Protocol { get; init; } = "any";

    public int FromPort { get; init; }

    public int ToPort { get; init; }

    /// <summary>Prefixes in CIDR notation (single hosts as /32 or /128).</summary>
    public IReadOnlyList<string> Prefixes { get; init; } = [];
}
