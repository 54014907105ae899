using System.Diagnostics;
using System.Text;

namespace Nexodus.Mesh.Control.Bench;

/// <summary>
/// One measured join: the new device's node key is the marker every existing stream watches for; the probe completes
/// when the last of them has received a line containing it.
/// </summary>
internal sealed class Probe(int id, string nodeKey, int streams)
{
    private int _remaining = streams;

    public int Id { get; } = id;

    public byte[] Marker { get; } = Encoding.ASCII.GetBytes(nodeKey);

    public long StartTimestamp { get; set; }

    public TaskCompletionSource<long> LastArrival { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Remaining => Volatile.Read(ref _remaining);

    public void Arrived()
    {
        var now = Stopwatch.GetTimestamp();
        if (Interlocked.Decrement(ref _remaining) == 0)
        {
            LastArrival.TrySetResult(now);
        }
    }
}
