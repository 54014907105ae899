using Xunit;

namespace Nexodus.Mesh.TestDoubles;

/// <summary>
/// A fact that needs root (network namespaces, TUN, nftables). CI runs as root, so these run there;
/// elsewhere they are reported as skipped with the reason, never silently passed.
/// </summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            Skip = "needs root (network namespaces, TUN, nftables); CI runs as root";
        }
    }
}
