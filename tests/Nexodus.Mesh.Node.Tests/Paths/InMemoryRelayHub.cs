using System.Collections.Concurrent;
using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.Node.Paths;
using Nexodus.Mesh.Relay.Protocol;

namespace Nexodus.Mesh.Node.Tests.Paths;

/// <summary>
/// A relay in memory for the fake-clock state-machine tests (the real relay runs in the loopback tests): forwards
/// by node key, synchronously, and counts what it carried.
/// </summary>
internal sealed class InMemoryRelayHub
{
    private readonly ConcurrentDictionary<PublicKey, Connection> _clients = new();
    private long _data;
    private long _disco;

    public long DataPackets => Interlocked.Read(ref _data);

    public long DiscoPackets => Interlocked.Read(ref _disco);

    /// <summary>Tokens clients presented (via UpdateToken).</summary>
    public ConcurrentQueue<string> TokenUpdates { get; } = new();

    public IRelayConnection Connect(RelayConnectionSettings settings) => new Connection(this, settings);

    private sealed class Connection(InMemoryRelayHub hub, RelayConnectionSettings settings) : IRelayConnection
    {
        private volatile bool _connected;

        public int RegionId => settings.RegionId;

        public bool IsConnected => _connected;

        public string? LastError => null;

        public void Start()
        {
            hub._clients[settings.NodeKey.PublicKey] = this;
            _connected = true;
            settings.OnConnected();
        }

        public bool Send(PublicKey destination, ReadOnlySpan<byte> packet, PacketKind kind)
        {
            if (!_connected || !hub._clients.TryGetValue(destination, out var to))
            {
                return false;
            }

            Interlocked.Increment(ref kind == PacketKind.Disco ? ref hub._disco : ref hub._data);
            to.Deliver(settings.NodeKey.PublicKey, packet, kind);
            return true;
        }

        private void Deliver(PublicKey source, ReadOnlySpan<byte> packet, PacketKind kind) => settings.OnPacket(source, packet, kind);

        public void UpdateToken(string token) => hub.TokenUpdates.Enqueue(token);

        public Task<TimeSpan> PingAsync(CancellationToken cancellationToken) =>
            _connected ? Task.FromResult(TimeSpan.Zero) : Task.FromException<TimeSpan>(new InvalidOperationException("not connected to the relay"));

        public ValueTask DisposeAsync()
        {
            _connected = false;
            hub._clients.TryRemove(new KeyValuePair<PublicKey, Connection>(settings.NodeKey.PublicKey, this));
            return ValueTask.CompletedTask;
        }
    }
}
