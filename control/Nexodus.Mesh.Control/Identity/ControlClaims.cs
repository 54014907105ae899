namespace Nexodus.Mesh.Control.Identity;

/// <summary>Claim types this service adds to its own principals and tokens.</summary>
internal static class ControlClaims
{
    public const string DeviceId = "nexodus:device_id";
    public const string OrganizationId = "nexodus:org_id";
    public const string VpcId = "nexodus:vpc_id";

    // Carried from the device authorization request to the approval page and into the issued token.
    public const string DeviceName = "nexodus:device_name";
    public const string DeviceOs = "nexodus:device_os";
    public const string NodeKey = "nexodus:node_key";
    public const string SourceAddress = "nexodus:source_address";

    /// <summary>Issuer of the identity behind a login cookie (local or an external provider).</summary>
    public const string LoginIssuer = "nexodus:login_iss";
}
