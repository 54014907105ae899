using System.Text.Json;
using Nexodus.Mesh.Core.Contracts;

namespace Nexodus.Mesh.Control.Netmap;

/// <summary>Computes the delta between two views of the same device; null when nothing the device sees changed.</summary>
internal static class NetmapDiff
{
    public static NetmapMessage? Delta(Core.Contracts.Netmap before, Core.Contracts.Netmap after, long revision)
    {
        var oldPeers = before.Peers.ToDictionary(p => p.NodeKey, p => Json(p));
        var changed = after.Peers.Where(p => !oldPeers.TryGetValue(p.NodeKey, out var old) || old != Json(p)).ToList();
        var newKeys = after.Peers.Select(p => p.NodeKey).ToHashSet();
        var removed = before.Peers.Select(p => p.NodeKey).Where(k => !newKeys.Contains(k)).ToList();
        var self = Json(before.Self) != Json(after.Self) ? after.Self : null;
        var relay = Json(before.RelayMap) != Json(after.RelayMap) ? after.RelayMap : null;
        var dns = Json(before.Dns) != Json(after.Dns) ? after.Dns : null;
        var filter = Json(before.PacketFilter) != Json(after.PacketFilter) ? after.PacketFilter : null;
        var admission = before.RelayAdmission.Token != after.RelayAdmission.Token ? after.RelayAdmission : null;
        if (changed.Count == 0 && removed.Count == 0 && self is null && relay is null && dns is null && filter is null && admission is null)
        {
            return null;
        }

        return new NetmapMessage
        {
            Type = NetmapMessageTypes.Delta,
            Revision = revision,
            Self = self,
            PeersChanged = changed.Count > 0 ? changed : null,
            PeersRemoved = removed.Count > 0 ? removed : null,
            RelayMap = relay,
            Dns = dns,
            PacketFilter = filter,
            RelayAdmission = admission,
        };
    }

    private static string Json<T>(T value) => JsonSerializer.Serialize(value, typeof(T), ContractsJsonContext.Default);
}
