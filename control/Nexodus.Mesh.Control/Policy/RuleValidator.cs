using Nexodus.Mesh.Control.Api;

namespace Nexodus.Mesh.Control.Policy;

internal static class RuleValidator
{
    public static readonly string[] Protocols = ["any", "tcp", "udp", "icmp", "icmpv6"];
    public const int MaxRules = 200;
    public const int MaxEntries = 200;

    public static void Validate(ValidationErrors v, string field, List<SecurityRule>? rules, IReadOnlySet<Guid> groupsInVpc)
    {
        if (rules is null)
        {
            return;
        }

        if (rules.Count > MaxRules)
        {
            v.Add(field, $"at most {MaxRules} rules");
            return;
        }

        for (var i = 0; i < rules.Count; i++)
        {
            var r = rules[i];
            var f = $"{field}[{i}]";
            if (r is null)
            {
                v.Add(f, "must be a rule object");
                continue;
            }

            if (!Protocols.Contains(r.Protocol))
            {
                v.Add(f + ".protocol", "must be one of any, tcp, udp, icmp, icmpv6");
            }

            var ported = r.Protocol is "tcp" or "udp";
            if (r.FromPort is < 0 or > 65535 || r.ToPort is < 0 or > 65535)
            {
                v.Add(f + ".fromPort", "ports must be 0-65535");
            }
            else if (r.FromPort > r.ToPort)
            {
                v.Add(f + ".fromPort", "must not be greater than toPort");
            }
            else if (!ported && (r.FromPort != 0 || r.ToPort != 0))
            {
                v.Add(f + ".fromPort", "ports apply only to tcp and udp; use 0-0");
            }

            if ((r.Cidrs?.Count ?? 0) + (r.SecurityGroupIds?.Count ?? 0) == 0)
            {
                v.Add(f, "needs at least one CIDR or security group");
            }

            if ((r.Cidrs?.Count ?? 0) > MaxEntries || (r.SecurityGroupIds?.Count ?? 0) > MaxEntries)
            {
                v.Add(f, $"at most {MaxEntries} CIDRs and {MaxEntries} groups");
                continue;
            }

            for (var j = 0; j < (r.Cidrs?.Count ?? 0); j++)
            {
                if (!ValidationErrors.TryParseCidr(r.Cidrs![j], out _, out var reason))
                {
                    v.Add($"{f}.cidrs[{j}]", reason);
                }
            }

            for (var j = 0; j < (r.SecurityGroupIds?.Count ?? 0); j++)
            {
                if (!groupsInVpc.Contains(r.SecurityGroupIds![j]))
                {
                    v.Add($"{f}.securityGroupIds[{j}]", "is not a security group of this VPC");
                }
            }
        }
    }

    /// <summary>Canonical form: CIDRs normalised, duplicates removed.</summary>
    public static List<SecurityRule> Normalize(List<SecurityRule>? rules) =>
        [.. (rules ?? []).Select(r => new SecurityRule
        {
            Protocol = r.Protocol,
            FromPort = r.FromPort,
            ToPort = r.ToPort,
            Cidrs = [.. (r.Cidrs ?? []).Select(c => System.Net.IPNetwork.Parse(c).ToString()).Distinct()],
            SecurityGroupIds = [.. (r.SecurityGroupIds ?? []).Distinct()],
        })];
}
