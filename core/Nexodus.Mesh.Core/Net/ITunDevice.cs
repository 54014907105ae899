namespace Nexodus.Mesh.Core.Net;

/// <summary>The IP packet seam above the WireGuard engine: a layer-3 interface, batched read and write.</summary>
public interface ITunDevice : IAsyncDisposable
{
    string Name { get; }

    int Mtu { get; }

    int BatchSize { get; }

    /// <summary>
    /// Blocks until at least one packet is available and fills <paramref name="batch"/> at
    /// <paramref name="headroom"/>; returns the count, 0 once the device is closed.
    /// </summary>
    int Read(PacketBatch batch, int headroom);

    /// <summary>Writes one IP packet towards the host stack. False (and drop) when the device is closed.</summary>
    bool Write(ReadOnlySpan<byte> packet);
}
