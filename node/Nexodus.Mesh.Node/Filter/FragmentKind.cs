namespace Nexodus.Mesh.Node.Filter;

internal enum FragmentKind : byte
{
    /// <summary>A whole datagram.</summary>
    None,

    /// <summary>Offset 0 with more fragments: carries the transport header.</summary>
    First,

    /// <summary>Offset &gt; 0: no transport header, so no ports to match.</summary>
    NonFirst,
}
