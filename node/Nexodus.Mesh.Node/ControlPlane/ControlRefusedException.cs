namespace Nexodus.Mesh.Node.ControlPlane;

/// <summary>Control answered and said no (bad/used registration key, revoked credential, conflict).</summary>
internal sealed class ControlRefusedException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}
