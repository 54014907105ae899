namespace Nexodus.Mesh.Node.ControlPlane;

/// <summary>What `nexd` remembers between starts besides the keys (device.json in the state dir).</summary>
internal sealed record NodeStateRecord
{
    public Guid DeviceId { get; init; }
    public Guid VpcId { get; init; }
    public string Hostname { get; init; } = "";
    public string Ipv4 { get; init; } = "";
    public string Ipv6 { get; init; } = "";
    public string Ipv4Cidr { get; init; } = "";
    public string Ipv6Cidr { get; init; } = "";
    public string ControlUrl { get; init; } = "";
    public int ListenPort { get; init; }
    public long Revision { get; init; }
}
