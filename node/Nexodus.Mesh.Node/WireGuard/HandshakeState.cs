namespace Nexodus.Mesh.Node.WireGuard;

internal enum HandshakeState
{
    Zeroed,
    InitiationCreated,
    InitiationConsumed,
    ResponseCreated,
    ResponseConsumed,
}
