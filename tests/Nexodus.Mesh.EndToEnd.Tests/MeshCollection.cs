namespace Nexodus.Mesh.EndToEnd.Tests;

/// <summary>Tests sharing the big lab (<see cref="MeshLab"/>): one control, the grid nodes, spare hosts per test.</summary>
[CollectionDefinition(Name)]
public sealed class MeshCollection : ICollectionFixture<MeshLab>
{
    public const string Name = "mesh lab";
}
