namespace Nexodus.Mesh.Relay.Protocol;

/// <summary>Frames without a payload (keepalive); kept in one place so they are allocated once.</summary>
public static class SimpleFrames
{
    private static readonly byte[] KeepAliveFrame = FrameHeader.Allocate(FrameType.KeepAlive, 0);

    /// <summary>A shared, read-only keepalive frame.</summary>
    public static ReadOnlyMemory<byte> KeepAlive => KeepAliveFrame;
}
