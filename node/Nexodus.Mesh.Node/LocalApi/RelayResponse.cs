namespace Nexodus.Mesh.Node.LocalApi;

/// <summary>One relay region in <see cref="StatusResponse.Relays"/>.</summary>
/// <param name="LatencyMs">Last latency probe (only taken when the map has two or more regions to choose from), else null.</param>
internal sealed record RelayResponse(int Region, string Code, string Url, bool Home, bool Connected, double? LatencyMs, string? LastError);
