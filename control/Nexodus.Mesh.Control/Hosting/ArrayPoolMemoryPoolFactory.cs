using System.Buffers;
using Microsoft.AspNetCore.Connections;

namespace Nexodus.Mesh.Control.Hosting;

/// <summary>
/// Kestrel's buffers from a small private array pool instead of its pinned block pool. Control writes small lines to
/// thousands of mostly idle connections: a delta fanned out to every stream has one block per connection in flight at
/// once, and the pinned pool keeps every block it ever needed (it gives back 1–5 % every 10 s), so one fan-out at
/// 10,000 streams left ~40 MB parked for minutes; the process-wide shared array pool kept thousands of them too. This
/// pool keeps at most <see cref="MaxRetained"/> free blocks and lets the rest be collected. Control is not
/// throughput-bound; the relay keeps Kestrel's pool.
/// </summary>
internal sealed class ArrayPoolMemoryPoolFactory : IMemoryPoolFactory<byte>
{
    /// <summary>Kestrel's block size.</summary>
    public const int BlockSize = 4096;

    /// <summary>Free blocks kept for reuse (2 MiB).</summary>
    public const int MaxRetained = 512;

    public MemoryPool<byte> Create(MemoryPoolOptions? options = null) => new BoundedPool();

    private sealed class BoundedPool : MemoryPool<byte>
    {
        private readonly ArrayPool<byte> _arrays = ArrayPool<byte>.Create(BlockSize, MaxRetained);

        public override int MaxBufferSize => BlockSize;

        public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThan(minBufferSize, BlockSize);
            return new Block(_arrays, _arrays.Rent(BlockSize));
        }

        protected override void Dispose(bool disposing)
        {
        }
    }

    private sealed class Block(ArrayPool<byte> pool, byte[] array) : IMemoryOwner<byte>
    {
        private byte[]? _array = array;

        public Memory<byte> Memory => _array ?? throw new ObjectDisposedException(nameof(Block));

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _array, null) is { } a)
            {
                pool.Return(a);
            }
        }
    }
}
