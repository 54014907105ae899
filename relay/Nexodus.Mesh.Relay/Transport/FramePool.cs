using System.Buffers;

namespace Nexodus.Mesh.Relay.Transport;

/// <summary>
/// Buffers for queued frames. <see cref="ArrayPool{T}.Shared"/> keeps a few dozen arrays per size per core, but a
/// relay holds thousands of frames in flight between the reader that rents them and the writer that returns them,
/// so the shared pool ran dry and most frames were fresh allocations (seen in profiles of bench/relay). This pool
/// keeps up to 8192 buffers of at most 2 KiB (16 MiB, the common packet sizes); larger frames use the shared pool.
/// </summary>
internal static class FramePool
{
    private const int SmallMax = 2048;
    private static readonly ArrayPool<byte> Small = ArrayPool<byte>.Create(SmallMax, 8192);

    public static byte[] Rent(int size) => size <= SmallMax ? Small.Rent(size) : ArrayPool<byte>.Shared.Rent(size);

    public static void Return(byte[] buffer)
    {
        // Rent picks the pool by size, so the length says where a buffer came from.
        if (buffer.Length <= SmallMax)
        {
            Small.Return(buffer);
        }
        else
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
