using Microsoft.EntityFrameworkCore;
using Nexodus.Mesh.Control.Api;
using Nexodus.Mesh.Control.Policy;
using Nexodus.Mesh.Control.Storage;
using Nexodus.Mesh.Core.Contracts;

namespace Nexodus.Mesh.Control.Netmap;

/// <summary>Reads a VPC and computes per-device views: peers, relay map, DNS and the packet filter.</summary>
internal static class NetmapBuilder
{
    /// <summary>Null when the VPC no longer exists. Must run with a system-scoped context.</summary>
    public static async Task<VpcSnapshot?> LoadAsync(ControlDbContext db, Guid vpcId, CancellationToken ct)
    {
        var revision = await ChangeBus.CurrentRevisionAsync(db, ct);
        var vpc = await db.Vpcs.AsNoTracking().FirstOrDefaultAsync(v => v.Id == vpcId, ct);
        if (vpc is null)
        {
            return null;
        }

        var devices = await db.Devices.AsNoTracking().Where(d => d.VpcId == vpcId).OrderBy(d => d.Hostname).ToListAsync(ct);
        var groups = await db.SecurityGroups.AsNoTracking().Where(s => s.VpcId == vpcId).ToListAsync(ct);
        var regions = await db.RelayRegions.AsNoTracking().Include(r => r.Nodes)
            .Where(r => r.OrganizationId == null || r.OrganizationId == vpc.OrganizationId).OrderBy(r => r.Id).ToListAsync(ct);
        var relayMap = new RelayMap
        {
            Regions = [.. regions.Select(r => new RelayRegionInfo
            {
                RegionId = r.Id,
                Code = r.Code,
                Name = r.Name,
                OrganizationOperated = r.OrganizationId is not null,
                Nodes = [.. r.Nodes.OrderBy(n => n.Name).Select(n => new RelayNodeInfo
                {
                    Name = n.Name,
                    HostName = n.HostName,
                    Ipv4 = n.Ipv4,
                    Ipv6 = n.Ipv6,
                    RelayPort = n.RelayPort,
                    StunPort = n.StunPort,
                    PublicKey = n.PublicKey,
                    CertificateSha256 = n.CertificateSha256,
                })],
            })],
        };
        return new VpcSnapshot(vpc, devices, groups, relayMap, revision);
    }

    /// <summary>The view of one device, without its relay admission token; null when the device is gone.</summary>
    public static Core.Contracts.Netmap? ViewFor(VpcSnapshot s, Guid deviceId)
    {
        var self = s.Devices.FirstOrDefault(d => d.Id == deviceId);
        if (self is null)
        {
            return null;
        }

        return new Core.Contracts.Netmap
        {
            Self = Peer(self),
            VpcId = s.Vpc.Id,
            Ipv4Cidr = s.Vpc.Ipv4Cidr,
            Ipv6Cidr = s.Vpc.Ipv6Cidr,
            Peers = [.. s.Devices.Where(d => d.Id != deviceId).Select(Peer)],
            RelayMap = s.RelayMap,
            Dns = new DnsConfig { Domain = s.Vpc.DnsDomain, SearchDomains = [s.Vpc.DnsDomain] },
            PacketFilter = Compile(s, self),
        };
    }

    private static PeerInfo Peer(Device d) => new()
    {
        DeviceId = d.Id,
        NodeKey = d.NodeKey,
        DiscoKey = d.DiscoKey,
        Hostname = d.Hostname,
        Os = d.Os,
        Addresses = [d.Ipv4, d.Ipv6],
        Endpoints = d.Endpoints,
        HomeRelay = d.HomeRelay,
        NatMapping = d.NatMapping,
        NatFiltering = d.NatFiltering,
        Online = d.Online,
    };

    /// <summary>Security group rules with group references expanded to the members' tunnel addresses.</summary>
    public static PacketFilter Compile(VpcSnapshot s, Device self)
    {
        var defaultGroup = s.Groups.FirstOrDefault(g => g.Name == SecurityGroupsApi.DefaultName);
        var group = s.Groups.FirstOrDefault(g => g.Id == self.SecurityGroupId) ?? defaultGroup;
        if (group is null)
        {
            return new PacketFilter();
        }

        IEnumerable<string> Members(Guid groupId) =>
            s.Devices.Where(d => d.SecurityGroupId == groupId || (d.SecurityGroupId is null && groupId == defaultGroup?.Id))
                .SelectMany(d => new[] { d.Ipv4 + "/32", d.Ipv6 + "/128" });

        List<FilterRule> Rules(List<SecurityRule> rules) =>
            [.. rules.Select(r => new FilterRule
            {
                Protocol = r.Protocol,
                FromPort = r.FromPort,
                ToPort = r.ToPort,
                Prefixes = [.. r.Cidrs.Concat(r.SecurityGroupIds.SelectMany(Members)).Distinct().Order(StringComparer.Ordinal)],
            })];

        return new PacketFilter { Inbound = Rules(group.InboundRules), Outbound = Rules(group.OutboundRules) };
    }
}
