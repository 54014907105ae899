namespace Nexodus.Mesh.Node.ControlPlane;

/// <summary>Control's answer to a device authorization request (RFC 8628 §3.2).</summary>
/// <param name="VerificationUriComplete">The URL with the code filled in, when control offers one.</param>
internal sealed record DeviceAuthorization(
    string DeviceCode,
    string UserCode,
    Uri VerificationUri,
    Uri? VerificationUriComplete,
    TimeSpan ExpiresIn,
    TimeSpan Interval);
