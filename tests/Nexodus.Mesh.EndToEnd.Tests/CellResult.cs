namespace Nexodus.Mesh.EndToEnd.Tests;

/// <summary>What a grid cell measured: time from both nodes Running to the first ping reply and to a direct path.</summary>
internal sealed record CellResult(GridCell Cell, TimeSpan? FirstPacket, TimeSpan? ToDirect, string? Error);
