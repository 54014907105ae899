namespace Nexodus.Mesh.Control.Netmap;

/// <summary>The last few views sent to one device, by revision, so a reconnecting node can resume with a delta.</summary>
internal sealed class ResumeHistory(int capacity)
{
    private readonly Lock _lock = new();
    private readonly LinkedList<(long Revision, Core.Contracts.Netmap Map)> _entries = new();

    public void Add(long revision, Core.Contracts.Netmap map)
    {
        lock (_lock)
        {
            _entries.AddLast((revision, map));
            while (_entries.Count > Math.Max(1, capacity))
            {
                _entries.RemoveFirst();
            }
        }
    }

    public Core.Contracts.Netmap? Find(long revision)
    {
        lock (_lock)
        {
            foreach (var (r, m) in _entries)
            {
                if (r == revision)
                {
                    return m;
                }
            }

            return null;
        }
    }
}
