using Xunit;

namespace Nexodus.Mesh.TestDoubles;

/// <summary>A theory that needs root; see <see cref="RootFactAttribute"/>.</summary>
public sealed class RootTheoryAttribute : TheoryAttribute
{
    public RootTheoryAttribute()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            Skip = "needs root (network namespaces, TUN, nftables); CI runs as root";
        }
    }
}
