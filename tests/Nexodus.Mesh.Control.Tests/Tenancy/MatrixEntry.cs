namespace Nexodus.Mesh.Control.Tests.Tenancy;

/// <summary>One endpoint of the matrix: how to call it against organization A's objects, and who it serves.</summary>
/// <param name="Access">Who the endpoint serves.</param>
/// <param name="Build">The concrete request (path, JSON body or null); called once per caller so bodies are fresh.</param>
/// <param name="Order">When the rightful caller runs it in the final pass (destructive calls last).</param>
/// <param name="Stream">The response is a long-lived stream: read its first line only.</param>
internal sealed record MatrixEntry(Access Access, Func<TenancyWorld, (string Path, object? Body)> Build, int Order = 0, bool Stream = false);
