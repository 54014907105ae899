namespace Nexodus.Mesh.Node.ControlPlane;

/// <summary>Control could not be reached (connection refused, DNS, TLS, timeout, 5xx).</summary>
internal sealed class ControlUnreachableException(string message, Exception? inner = null) : Exception(message, inner);
