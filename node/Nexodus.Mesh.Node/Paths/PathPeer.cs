using System.Net;
using Nexodus.Mesh.Core.Contracts;
using Nexodus.Mesh.Core.Keys;

namespace Nexodus.Mesh.Node.Paths;

/// <summary>What the path manager needs to know about a peer (from the netmap).</summary>
/// <param name="NodeKey">WireGuard static key and relay address.</param>
/// <param name="DiscoKey">The peer's disco key; without it no direct path can be proven (relay only).</param>
/// <param name="Endpoints">Candidate ip:port the peer reported (local and reflexive).</param>
/// <param name="HomeRelay">Region id of the peer's home relay; null = assume ours.</param>
internal sealed record PathPeer(PublicKey NodeKey, PublicKey? DiscoKey, IReadOnlyList<IPEndPoint> Endpoints, int? HomeRelay)
{
    /// <summary>
    /// Converts a netmap peer. Unparseable endpoints are skipped (listed in <paramref name="problems"/>); a bad node
    /// key makes the whole peer unusable (false).
    /// </summary>
    public static bool TryFrom(PeerInfo info, out PathPeer peer, out List<string> problems)
    {
        problems = [];
        peer = null!;
        if (!PublicKey.TryParse(info.NodeKey, out var nodeKey))
        {
            problems.Add($"peer {info.Hostname}: nodeKey is not a public key");
            return false;
        }

        PublicKey? disco = null;
        if (PublicKey.TryParse(info.DiscoKey, out var d))
        {
            disco = d;
        }
        else if (!string.IsNullOrEmpty(info.DiscoKey))
        {
            problems.Add($"peer {info.Hostname}: discoKey is not a public key (relay only)");
        }

        var endpoints = new List<IPEndPoint>(info.Endpoints.Count);
        foreach (var text in info.Endpoints)
        {
            if (IPEndPoint.TryParse(text, out var ep) && ep.Port != 0)
            {
                endpoints.Add(ep);
            }
            else
            {
                problems.Add($"peer {info.Hostname}: endpoint '{text}' is not ip:port");
            }
        }

        peer = new PathPeer(nodeKey, disco, endpoints, info.HomeRelay);
        return true;
    }
}
