namespace Nexodus.Mesh.Node.Tun;

/// <summary>
/// A TUN device that may hold back and merge the writes a thread makes between <see cref="BeginWriteBatch"/> and
/// <see cref="EndWriteBatch"/> (receive-side TCP coalescing). Writes outside a batch go out at once. The engine
/// still hands every packet to <c>ITunDevice.Write</c> one by one, so per-packet decisions stay before the write.
/// </summary>
internal interface ITunWriteBatching
{
    void BeginWriteBatch();

    void EndWriteBatch();
}
