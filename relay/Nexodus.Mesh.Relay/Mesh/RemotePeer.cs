using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.Relay.Protocol;
using Nexodus.Mesh.Relay.Server;

namespace Nexodus.Mesh.Relay.Mesh;

/// <summary>A key connected to another relay of the region, reached by one forward-packet hop over <see cref="Link"/>.</summary>
internal sealed class RemotePeer : PeerRoute
{
    private readonly Guid[] _vpcs;

    public RemotePeer(PublicKey key, Guid[] vpcs, MeshLink link)
        : base(key)
    {
        _vpcs = vpcs;
        Link = link;
    }

    public MeshLink Link { get; }

    public override Guid[] Vpcs => _vpcs;

    public override bool Deliver(ReadOnlySpan<byte> sourceKey, PacketKind kind, ReadOnlySpan<byte> packet) =>
        Link.Sender is { } sender && sender.EnqueueForward(sourceKey, Key.Span, kind, packet);
}
