using System.Text.Json;
using Nexodus.Mesh.Control.Storage;
using Nexodus.Mesh.Core.Contracts;

namespace Nexodus.Mesh.Control.Netmap;

/// <summary>
/// One device of a generation: its row, its wire form and that form serialized once. Entries are immutable and carried
/// over to the next generation while the row is unchanged, so "same object" means "peer unchanged" when diffing.
/// </summary>
internal sealed class PeerEntry
{
    private PeerEntry(Device row, PeerInfo info)
    {
        Row = row;
        Info = info;
        Json = JsonSerializer.SerializeToUtf8Bytes(info, ContractsJsonContext.Default.PeerInfo);
    }

    public Device Row { get; }

    public PeerInfo Info { get; }

    public byte[] Json { get; }

    public static PeerEntry From(Device d) => new(d, new PeerInfo
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
    });

    /// <summary>This entry if the row still says the same (peers see the same, same group), else a new entry.</summary>
    public PeerEntry With(Device d) =>
        d.NodeKey == Row.NodeKey && d.DiscoKey == Row.DiscoKey && d.Hostname == Row.Hostname && d.Os == Row.Os
        && d.Ipv4 == Row.Ipv4 && d.Ipv6 == Row.Ipv6 && d.Endpoints.SequenceEqual(Row.Endpoints) && d.HomeRelay == Row.HomeRelay
        && d.NatMapping == Row.NatMapping && d.NatFiltering == Row.NatFiltering && d.Online == Row.Online
        && d.SecurityGroupId == Row.SecurityGroupId
            ? this
            : From(d);
}
