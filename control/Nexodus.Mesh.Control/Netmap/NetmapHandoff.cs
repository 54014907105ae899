namespace Nexodus.Mesh.Control.Netmap;

/// <summary>Request feature set by the netmap endpoint: this request continues as the stream, after the pipeline.</summary>
internal sealed class NetmapHandoff(DeviceStream stream)
{
    public DeviceStream Stream { get; } = stream;
}
