namespace Nexodus.Mesh.Core.Net;

/// <summary>
/// A reusable batch of packet buffers for the batched seams (<see cref="IBind"/>, <see cref="ITunDevice"/>).
/// Buffers are allocated once with headroom so the WireGuard engine can encrypt and decrypt in place
/// (no allocation per packet); the owner of a batch reuses it for every call. Buffers live on the pinned object
/// heap so native batched I/O (recvmmsg/sendmmsg, TUN read/write) can point at them without pinning per call.
/// </summary>
public sealed class PacketBatch
{
    /// <summary>A batch whose buffers are views set by the caller (<paramref name="bufferSize"/> 0 = none allocated).</summary>
    public PacketBatch(int capacity, int bufferSize)
    {
        Buffers = new byte[capacity][];
        for (var i = 0; i < capacity; i++)
        {
            Buffers[i] = bufferSize == 0 ? [] : GC.AllocateUninitializedArray<byte>(bufferSize, pinned: true);
        }

        Offsets = new int[capacity];
        Lengths = new int[capacity];
        Endpoints = new Endpoint?[capacity];
    }

    public byte[][] Buffers { get; }

    /// <summary>Where each packet starts in its buffer.</summary>
    public int[] Offsets { get; }

    public int[] Lengths { get; }

    /// <summary>Source (on receive) of each datagram; unused for TUN batches.</summary>
    public Endpoint?[] Endpoints { get; }

    public int Capacity => Buffers.Length;

    public int Count { get; set; }

    public Span<byte> Packet(int i) => Buffers[i].AsSpan(Offsets[i], Lengths[i]);
}
