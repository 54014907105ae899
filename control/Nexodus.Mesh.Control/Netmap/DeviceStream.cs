using System.Threading.Channels;
using Nexodus.Mesh.Core.Contracts;

namespace Nexodus.Mesh.Control.Netmap;

/// <summary>One open netmap stream: the last view sent and the queue of lines still to write.</summary>
internal sealed class DeviceStream(Guid deviceId, Guid vpcId, string nodeKey)
{
    public Guid Id { get; } = Guid.NewGuid();

    public Guid DeviceId { get; } = deviceId;

    public Guid VpcId { get; } = vpcId;

    public string NodeKey { get; } = nodeKey;

    public Lock Gate { get; } = new();

    /// <summary>The view the client holds once it has read everything queued.</summary>
    public Core.Contracts.Netmap? Current { get; set; }

    public long Revision { get; set; }

    public Channel<NetmapMessage> Outbox { get; } = Channel.CreateUnbounded<NetmapMessage>(new UnboundedChannelOptions { SingleReader = true });
}
