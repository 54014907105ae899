namespace Nexodus.Mesh.Node.LocalApi;

/// <summary>Body of every 4xx/5xx the local API writes itself.</summary>
internal sealed record ErrorResponse(string Error);
