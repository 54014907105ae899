namespace Nexodus.Mesh.Node.Paths;

/// <summary>One relay connection as `nexctl status` shows it.</summary>
/// <param name="Latency">Last latency probe of the region (probes run only when there are two or more regions to choose from).</param>
internal sealed record RelayStatus(int RegionId, string Code, string Url, bool IsHome, bool Connected, string? LastError, TimeSpan? Latency = null);
