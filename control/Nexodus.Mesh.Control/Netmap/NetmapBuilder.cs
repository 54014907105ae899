using System.Collections.Immutable;
using Microsoft.EntityFrameworkCore;
using Nexodus.Mesh.Control.Storage;
using Nexodus.Mesh.Core.Contracts;

namespace Nexodus.Mesh.Control.Netmap;

/// <summary>Reads a VPC into a <see cref="VpcGeneration"/>: whole, or only the rows of devices known to have changed.</summary>
internal static class NetmapBuilder
{
    /// <summary>
    /// Reads the whole VPC; null when it no longer exists. Entries of devices whose rows did not change are taken over
    /// from <paramref name="previous"/>. Must run with a system-scoped context.
    /// </summary>
    public static async Task<VpcGeneration?> LoadAsync(ControlDbContext db, Guid vpcId, VpcGeneration? previous, CancellationToken ct)
    {
        // The revision is read first: the rows read after it are at least that new.
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
        // Built on the previous generation's map: entries that did not change are the same objects, so the new map
        // shares all but the changed paths with the old one.
        var peers = (previous?.Peers ?? ImmutableDictionary<Guid, PeerEntry>.Empty).ToBuilder();
        var present = new HashSet<Guid>(devices.Count);
        foreach (var d in devices)
        {
            present.Add(d.Id);
            peers[d.Id] = previous is not null && previous.Peers.TryGetValue(d.Id, out var old) ? old.With(d) : PeerEntry.From(d);
        }

        if (peers.Count > present.Count)
        {
            peers.RemoveRange([.. peers.Keys.Where(id => !present.Contains(id))]);
        }

        return VpcGeneration.Create(revision, vpc, groups, RelayMapOf(regions), peers.ToImmutable(), previous);
    }

    /// <summary>
    /// Re-reads only <paramref name="deviceIds"/> on top of <paramref name="previous"/> (a device not found left the
    /// VPC). The VPC row, groups and relay map are taken over: changes to those are announced VPC-wide and take
    /// <see cref="LoadAsync"/>. Returns <paramref name="previous"/> itself when nothing changed.
    /// </summary>
    public static async Task<VpcGeneration> LoadDevicesAsync(ControlDbContext db, VpcGeneration previous, IReadOnlyCollection<Guid> deviceIds, CancellationToken ct)
    {
        if (deviceIds.Count == 0)
        {
            return previous;
        }

        var revision = await ChangeBus.CurrentRevisionAsync(db, ct);
        var vpcId = previous.Vpc.Id;
        var ids = deviceIds.ToList();
        var rows = await db.Devices.AsNoTracking().Where(d => d.VpcId == vpcId && ids.Contains(d.Id)).ToListAsync(ct);
        var builder = previous.Peers.ToBuilder();
        builder.RemoveRange(ids);
        foreach (var d in rows)
        {
            builder[d.Id] = previous.Peers.TryGetValue(d.Id, out var old) ? old.With(d) : PeerEntry.From(d);
        }

        var peers = builder.ToImmutable();

        var changed = false;
        foreach (var id in ids)
        {
            changed |= !ReferenceEquals(previous.Peers.GetValueOrDefault(id), peers.GetValueOrDefault(id));
        }

        return changed
            ? VpcGeneration.Create(Math.Max(revision, previous.Revision), previous.Vpc, previous.Groups, previous.RelayMap, peers, previous)
            : previous;
    }

    private static RelayMap RelayMapOf(List<RelayRegion> regions) => new()
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
}
