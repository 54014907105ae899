using Microsoft.Extensions.Logging;
using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.Relay.Client;
using Nexodus.Mesh.Relay.Protocol;

namespace Nexodus.Mesh.Node.Paths;

/// <summary>A <see cref="RelayClient"/> (TLS, proof of key possession, admission token, reconnects) as the path manager uses it.</summary>
internal sealed class RelayConnection : IRelayConnection
{
    private readonly RelayClient _client;

    public RelayConnection(RelayConnectionSettings settings, TimeProvider time, ILogger logger, Func<System.Net.Sockets.Socket>? socketFactory = null)
    {
        RegionId = settings.RegionId;
        _client = new RelayClient(
            new RelayClientOptions
            {
                Url = settings.Url,
                NodeKey = settings.NodeKey,
                TokenProvider = settings.TokenProvider,
                ExpectedServerKey = settings.ServerKey,
                Trust = settings.Trust,
                Time = time,
                OnPacket = settings.OnPacket,
                SocketFactory = socketFactory,
            },
            logger);
        _client.Connected += settings.OnConnected;
        if (settings.OnPeerPresent is { } present)
        {
            _client.PeerPresent += present;
        }
    }

    public int RegionId { get; }

    public bool IsConnected => _client.IsConnected;

    public string? LastError => _client.LastError;

    public RelayClient Client => _client;

    public void Start() => _client.Start();

    public bool Send(PublicKey destination, ReadOnlySpan<byte> packet, PacketKind kind) => _client.Send(destination, packet, kind);

    public void UpdateToken(string token) => _client.UpdateToken(token);

    public Task<TimeSpan> PingAsync(CancellationToken cancellationToken) => _client.PingAsync(cancellationToken);

    public ValueTask DisposeAsync() => _client.DisposeAsync();
}
