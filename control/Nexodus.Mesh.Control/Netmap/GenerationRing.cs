namespace Nexodus.Mesh.Control.Netmap;

/// <summary>The last few generations of a VPC by revision, so a reconnecting node can resume with a delta.</summary>
internal sealed class GenerationRing(int capacity)
{
    private readonly Lock _lock = new();
    private readonly VpcGeneration?[] _ring = new VpcGeneration?[Math.Max(1, capacity)];
    private int _next;

    public void Add(VpcGeneration generation)
    {
        lock (_lock)
        {
            var last = _ring[(_next + _ring.Length - 1) % _ring.Length];
            if (ReferenceEquals(last, generation))
            {
                return;
            }

            _ring[_next] = generation;
            _next = (_next + 1) % _ring.Length;
        }
    }

    /// <summary>The newest generation, whose unchanged entries a fresh read can take over.</summary>
    public VpcGeneration? Latest
    {
        get
        {
            lock (_lock)
            {
                return _ring[(_next + _ring.Length - 1) % _ring.Length];
            }
        }
    }

    public VpcGeneration? Find(long revision)
    {
        lock (_lock)
        {
            foreach (var g in _ring)
            {
                if (g is not null && g.Revision == revision)
                {
                    return g;
                }
            }

            return null;
        }
    }
}
