namespace Nexodus.Mesh.Node.Paths;

/// <summary>One relay connection as `nexctl status` shows it.</summary>
internal sealed record RelayStatus(int RegionId, string Code, string Url, bool IsHome, bool Connected, string? LastError);
