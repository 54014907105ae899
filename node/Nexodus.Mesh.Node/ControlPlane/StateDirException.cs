namespace Nexodus.Mesh.Node.ControlPlane;

/// <summary>The state dir exists but cannot be used as it is (corrupted or unreadable file); nothing is deleted.</summary>
internal sealed class StateDirException(string message) : Exception(message);
