using System.Collections.Concurrent;
using Nexodus.Mesh.Core.Net;

namespace Nexodus.Mesh.TestDoubles.WireGuard;

/// <summary>
/// In-memory <see cref="ITunDevice"/>: the test plays the host stack, sending packets into the tunnel with
/// <see cref="SendToTunnel"/> and reading what the engine delivered with <see cref="TryReceiveFromTunnel"/>.
/// </summary>
public sealed class ChannelTun(string name = "chan0", int mtu = 1420) : ITunDevice
{
    private readonly BlockingCollection<byte[]> _outbound = new();
    private readonly BlockingCollection<byte[]> _delivered = new();

    public string Name { get; } = name;

    public int Mtu { get; } = mtu;

    public int BatchSize => 8;

    /// <summary>The host sends an IP packet into the tunnel (the engine will read it).</summary>
    public void SendToTunnel(byte[] packet) => _outbound.Add(packet);

    /// <summary>Waits for an IP packet the engine decrypted and wrote to the host.</summary>
    public bool TryReceiveFromTunnel(out byte[] packet, TimeSpan timeout) => _delivered.TryTake(out packet!, timeout);

    public int DeliveredCount => _delivered.Count;

    public int Read(PacketBatch batch, int headroom)
    {
        var n = 0;
        try
        {
            if (!_outbound.TryTake(out var first, Timeout.Infinite))
            {
                return 0;
            }

            Put(batch, n++, first, headroom);
            while (n < batch.Capacity && _outbound.TryTake(out var next))
            {
                Put(batch, n++, next, headroom);
            }
        }
        catch (InvalidOperationException)
        {
        }

        batch.Count = n;
        return n;
    }

    private static void Put(PacketBatch batch, int i, byte[] packet, int headroom)
    {
        packet.CopyTo(batch.Buffers[i], headroom);
        batch.Offsets[i] = headroom;
        batch.Lengths[i] = packet.Length;
    }

    public bool Write(ReadOnlySpan<byte> packet)
    {
        if (_delivered.IsAddingCompleted)
        {
            return false;
        }

        _delivered.Add(packet.ToArray());
        return true;
    }

    public ValueTask DisposeAsync()
    {
        _outbound.CompleteAdding();
        _delivered.CompleteAdding();
        return ValueTask.CompletedTask;
    }
}
