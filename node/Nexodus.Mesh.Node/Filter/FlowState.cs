namespace Nexodus.Mesh.Node.Filter;

/// <summary>What the tracker has seen of a flow; decides its idle timeout.</summary>
[Flags]
internal enum FlowState : byte
{
    None = 0,

    /// <summary>A packet came back in the direction opposite to the first one.</summary>
    Replied = 1,
    FinFromInitiator = 2,
    FinFromResponder = 4,
    Reset = 8,
}
