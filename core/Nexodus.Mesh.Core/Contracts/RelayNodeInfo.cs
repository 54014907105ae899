namespace Nexodus.Mesh.Core.Contracts;

public sealed record RelayNodeInfo
{
    public string Name { get; init; } = "";

    public string HostName { get; init; } = "";

    public string? Ipv4 { get; init; }

    public string? Ipv6 { get; init; }

    public int RelayPort { get; init; }

    public int StunPort { get; init; }
}
