namespace Nexodus.Mesh.Control.Storage;

/// <summary>Single-row table holding the global 64-bit netmap revision, bumped by every change that affects maps.</summary>
internal sealed class RevisionCounter
{
    public int Id { get; set; }

    public long Value { get; set; }
}
