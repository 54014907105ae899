using System.Buffers;
using Microsoft.AspNetCore.Connections;

namespace Nexodus.Mesh.Control.Hosting;

/// <summary>
/// Kestrel's buffers from <see cref="MemoryPool{T}.Shared"/> (the shared array pool) instead of its pinned block pool.
/// Control writes small lines to thousands of mostly idle connections: a delta fanned out to every stream has one
/// block per connection in flight at once, and the pinned pool keeps every block it ever needed (it gives back 1–5 %
/// every 10 s), so one fan-out at 10,000 streams left ~40 MB parked for minutes. The shared array pool keeps a few
/// buffers per core and lets the rest be collected. Control is not throughput-bound; the relay keeps Kestrel's pool.
/// </summary>
internal sealed class ArrayPoolMemoryPoolFactory : IMemoryPoolFactory<byte>
{
    public MemoryPool<byte> Create(MemoryPoolOptions? options = null) => MemoryPool<byte>.Shared;
}
