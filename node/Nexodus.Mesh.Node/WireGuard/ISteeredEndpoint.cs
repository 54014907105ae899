namespace Nexodus.Mesh.Node.WireGuard;

/// <summary>
/// Marks an endpoint whose path is chosen by someone above the engine (the path manager's per-peer endpoint):
/// the engine's roaming ("the endpoint follows the source of the latest authenticated packet") leaves a peer on
/// such an endpoint alone, because the bind already routes and reports that peer's traffic through it.
/// Only an explicit <see cref="Peer.SetEndpoint"/> replaces it.
/// </summary>
internal interface ISteeredEndpoint;
