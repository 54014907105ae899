namespace Nexodus.Mesh.Node.LocalApi;

/// <summary>What the local API serves; the node agent implements it (tests may supply their own).</summary>
internal interface ILocalApiSource
{
    /// <summary>A consistent-enough snapshot taken now; must not block on the network.</summary>
    StatusResponse Status();

    PeerResponse[] Peers();
}
