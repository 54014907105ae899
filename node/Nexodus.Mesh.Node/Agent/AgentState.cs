namespace Nexodus.Mesh.Node.Agent;

/// <summary>The node's states (DESIGN §4), printed as `nexd: state X` and reported by the local API.</summary>
internal enum AgentState
{
    NeedsLogin,
    Registering,
    Connecting,
    Running,
    Degraded,
    Stopped,
}
