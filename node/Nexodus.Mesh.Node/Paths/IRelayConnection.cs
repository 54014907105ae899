using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.Relay.Protocol;

namespace Nexodus.Mesh.Node.Paths;

/// <summary>
/// The path manager's view of one relay connection (one region). The real one is <see cref="RelayConnection"/>
/// over <c>RelayClient</c>; the state-machine tests use an in-memory hub so they can run on a fake clock.
/// </summary>
internal interface IRelayConnection : IAsyncDisposable
{
    int RegionId { get; }

    bool IsConnected { get; }

    string? LastError { get; }

    void Start();

    /// <summary>Queues a packet for <paramref name="destination"/>; false when dropped.</summary>
    bool Send(PublicKey destination, ReadOnlySpan<byte> packet, PacketKind kind);

    void UpdateToken(string token);

    /// <summary>Round trip to the relay over the live session; throws when not connected.</summary>
    Task<TimeSpan> PingAsync(CancellationToken cancellationToken);
}
