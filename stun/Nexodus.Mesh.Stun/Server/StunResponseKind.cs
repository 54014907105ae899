namespace Nexodus.Mesh.Stun.Server;

/// <summary>What <see cref="StunResponder"/> decided for one datagram.</summary>
public enum StunResponseKind
{
    Dropped = 0,
    SuccessResponse,
    ErrorResponse,
}
