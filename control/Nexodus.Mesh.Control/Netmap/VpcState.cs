using System.Collections.Concurrent;

namespace Nexodus.Mesh.Control.Netmap;

/// <summary>This process's streams of one VPC, the VPC's current generation and its recent ones (for resume).</summary>
internal sealed class VpcState(Guid vpcId, int history)
{
    public Guid VpcId { get; } = vpcId;

    /// <summary>One reader of the database per VPC at a time; fan-out happens outside it.</summary>
    public SemaphoreSlim Refresh { get; } = new(1, 1);

    /// <summary>Null until read, and again when no stream of this process needs it kept current.</summary>
    public VpcGeneration? Current { get; set; }

    public ConcurrentDictionary<Guid, DeviceStream> Streams { get; } = new();

    public GenerationRing History { get; } = new(history);

    /// <summary>Per device: the revision last sent before its stream closed and the generation it stood for.</summary>
    public ConcurrentDictionary<Guid, (long StreamRevision, long GenerationRevision)> LastSent { get; } = new();

    public void Publish(VpcGeneration generation)
    {
        Current = generation;
        History.Add(generation);
    }
}
