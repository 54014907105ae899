using System.Diagnostics;
using System.Text.Json;

namespace Nexodus.Mesh.Control.Bench;

/// <summary>
/// One measured join: the new device's node key is the marker every existing stream watches for; the probe completes
/// when the last of them has received a line containing it.
/// </summary>
internal sealed class Probe(int id, string nodeKey, int streams)
{
    private int _remaining = streams;

    public int Id { get; } = id;

    // As it appears on the wire: System.Text.Json's default encoder writes '+' of base64 as \u002B.
    public byte[] Marker { get; } = JsonEncodedText.Encode(nodeKey).EncodedUtf8Bytes.ToArray();

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
