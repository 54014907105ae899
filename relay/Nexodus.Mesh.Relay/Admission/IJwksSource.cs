using Microsoft.IdentityModel.Tokens;

namespace Nexodus.Mesh.Relay.Admission;

/// <summary>Where the relay gets control's admission-token verification keys (a JWKS).</summary>
public interface IJwksSource
{
    /// <summary>The keys currently known; never blocks.</summary>
    IReadOnlyList<SecurityKey> Keys { get; }

    /// <summary>
    /// Called when a token names a kid we do not know (control rotated its key). Sources that can refresh do so,
    /// rate-limited; returns true when the key set changed.
    /// </summary>
    ValueTask<bool> RefreshForUnknownKeyAsync(CancellationToken cancellationToken);
}
