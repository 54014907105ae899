using System.Collections.Concurrent;
using System.Net;
using System.Numerics;
using Microsoft.EntityFrameworkCore;
using Nexodus.Mesh.Control.Storage;

namespace Nexodus.Mesh.Control.Ipam;

/// <summary>
/// Next-free IPv4 host per VPC, so enrollment does not read every address of the VPC (that made joins O(n): 11 per
/// second at 10,000 devices). The cursor starts after the highest host in use (one read per VPC per process) and moves
/// forward; the unique (VPC, address) index stays the guarantee: a candidate taken meanwhile by another replica or a
/// requested address fails the insert and the caller retries with the next. Only when the cursor reaches the end of
/// the range are the addresses read again to find holes left by deleted devices, lowest first.
/// </summary>
internal sealed class AddressCursor
{
    private readonly ConcurrentDictionary<Guid, VpcCursor> _cursors = new();

    /// <summary>A candidate address; null when the range is full. <paramref name="rescan"/> re-reads the VPC's addresses first.</summary>
    public async Task<IPAddress?> NextAsync(ControlDbContext db, Guid vpcId, System.Net.IPNetwork v4, bool rescan, CancellationToken ct)
    {
        var size = (long)(BigInteger.One << (32 - v4.PrefixLength));
        var first = v4.PrefixLength >= 31 ? 0 : 1;
        var last = v4.PrefixLength >= 31 ? size - 1 : size - 2;
        var cursor = _cursors.GetOrAdd(vpcId, _ => new VpcCursor());
        if (!rescan && cursor.TryTake(last, out var host))
        {
            return IpAllocator.HostAddress(v4, host);
        }

        // First use in this process, range end reached, or repeated conflicts: read what is in use.
        var used = (await db.Devices.Where(d => d.VpcId == vpcId).Select(d => d.Ipv4).ToListAsync(ct)).ToHashSet();
        var free = IpAllocator.NextIpv4(v4, used, random: false);
        if (free is null)
        {
            return null;
        }

        long highest = first - 1;
        foreach (var a in used)
        {
            if (IPAddress.TryParse(a, out var ip) && v4.Contains(ip))
            {
                highest = Math.Max(highest, (long)IpAllocator.HostNumber(v4, ip));
            }
        }

        var lowestFree = (long)IpAllocator.HostNumber(v4, free);
        // Continue after the highest address in use while there is room there, else fill holes from the lowest.
        cursor.Reset(highest < last ? highest + 1 : lowestFree);
        return cursor.TryTake(last, out host) ? IpAllocator.HostAddress(v4, host) : free;
    }

    private sealed class VpcCursor
    {
        private readonly Lock _lock = new();
        private long _next = -1;

        public bool TryTake(long last, out long host)
        {
            lock (_lock)
            {
                host = _next;
                if (_next < 0 || _next > last)
                {
                    return false;
                }

                _next++;
                return true;
            }
        }

        public void Reset(long next)
        {
            lock (_lock)
            {
                _next = next;
            }
        }
    }
}
