namespace Nexodus.Mesh.Core.Contracts;

/// <summary>
/// Answer to an enrollment. <see cref="SealedCredential"/> is base64 of SealedBox.Seal(nodeKey, credential UTF-8):
/// only the holder of the node private key can open it. The opened credential is sent as
/// <c>Authorization: Device &lt;credential&gt;</c> on every later device call.
/// </summary>
public sealed record EnrollResponse
{
    public Guid DeviceId { get; init; }

    public Guid VpcId { get; init; }

    public Guid OrganizationId { get; init; }

    public string Ipv4 { get; init; } = "";

    public string Ipv6 { get; init; } = "";

    public string Hostname { get; init; } = "";

    public string SealedCredential { get; init; } = "";
}
