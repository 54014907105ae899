using System.Threading.Channels;
using Nexodus.Mesh.Core.Contracts;

namespace Nexodus.Mesh.Control.Netmap;

/// <summary>
/// One open netmap stream. Deliberately small: which generation of its VPC the client will hold once it has read
/// everything queued, its revision and relay token, and the queue of lines still to write — no map of its own, no timer.
/// </summary>
internal sealed class DeviceStream(Guid deviceId, Guid vpcId, string nodeKey)
{
    public Guid Id { get; } = Guid.NewGuid();

    public Guid DeviceId { get; } = deviceId;

    public Guid VpcId { get; } = vpcId;

    public string NodeKey { get; } = nodeKey;

    public Lock Gate { get; } = new();

    /// <summary>The generation whose view (plus <see cref="Admission"/>) the client holds once it has read everything queued.</summary>
    public VpcGeneration? Generation { get; set; }

    public long Revision { get; set; }

    public RelayAdmission Admission { get; set; } = new();

    /// <summary>Stopwatch timestamp of the last line queued; idle streams get heartbeats.</summary>
    public long LastQueued { get; set; }

    public bool Ended { get; set; }

    public Channel<OutgoingLine> Outbox { get; } = Channel.CreateUnbounded<OutgoingLine>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Queues a line; caller holds <see cref="Gate"/>.</summary>
    public void Queue(OutgoingLine line)
    {
        if (!Ended)
        {
            Outbox.Writer.TryWrite(line);
            LastQueued = System.Diagnostics.Stopwatch.GetTimestamp();
        }
    }

    /// <summary>Queues a last line and ends the stream; caller holds <see cref="Gate"/>.</summary>
    public void End(byte[]? last)
    {
        if (!Ended)
        {
            if (last is not null)
            {
                Outbox.Writer.TryWrite(new OutgoingLine(last, null));
            }

            Ended = true;
            Outbox.Writer.TryComplete();
        }
    }
}
