namespace Nexodus.Mesh.Node.Filter;

internal enum FlowLookup : byte
{
    /// <summary>No live entry for the flow.</summary>
    Miss,

    /// <summary>A live flow that the current filter still admits; the packet passes.</summary>
    Hit,

    /// <summary>The flow was tracked, but the filter swapped since and no longer admits it; the entry is gone.</summary>
    Revoked,
}
