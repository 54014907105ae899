using System.Threading.Channels;
using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.Relay.Client;
using Nexodus.Mesh.Relay.Protocol;
using Nexodus.Mesh.Relay.Transport;
using Nexodus.Mesh.TestDoubles.Relay;

namespace Nexodus.Mesh.Relay.Tests.Support;

/// <summary>A relay client with its received packets and events in channels, for assertions.</summary>
internal sealed class TestClient : IAsyncDisposable
{
    private TestClient(PrivateKey key, Func<PrivateKey, RelayPacketHandler, RelayClient> create)
    {
        Key = key;
        Client = create(key, (src, packet, kind) => Packets.Writer.TryWrite(new Received(src, packet.ToArray(), kind)));
        Client.PeerGone += (k, r) => Gone.Writer.TryWrite((k, r));
        Client.PeerPresent += k => Present.Writer.TryWrite(k);
        Client.HealthChanged += h => Health.Writer.TryWrite(h);
    }

    public PrivateKey Key { get; }

    public PublicKey PublicKey => Key.PublicKey;

    public RelayClient Client { get; }

    public Channel<Received> Packets { get; } = Channel.CreateUnbounded<Received>();

    public Channel<(PublicKey Key, PeerGoneReason Reason)> Gone { get; } = Channel.CreateUnbounded<(PublicKey, PeerGoneReason)>();

    public Channel<PublicKey> Present { get; } = Channel.CreateUnbounded<PublicKey>();

    public Channel<string> Health { get; } = Channel.CreateUnbounded<string>();

    public static TestClient Create(RelayTestServer relay, TestTokenIssuer issuer, Guid[] vpcs, RelayTransport transport = RelayTransport.Upgrade, PrivateKey? key = null, Func<PublicKey, string>? token = null, TimeSpan? reconnectMax = null)
    {
        key ??= PrivateKey.Generate();
        return new TestClient(key, (k, handler) => new RelayClient(new RelayClientOptions
        {
            Url = relay.RelayUrl,
            NodeKey = k,
            TokenProvider = _ => ValueTask.FromResult(token?.Invoke(k.PublicKey) ?? issuer.Issue(k.PublicKey, vpcs)),
            Trust = relay.Trust,
            Transport = transport,
            ExpectedServerKey = relay.Key.PublicKey,
            ReconnectMin = TimeSpan.FromMilliseconds(50),
            ReconnectMax = reconnectMax ?? TimeSpan.FromMilliseconds(500),
            OnPacket = handler,
        }));
    }

    public static async Task<TestClient> ConnectAsync(RelayTestServer relay, TestTokenIssuer issuer, Guid[] vpcs, RelayTransport transport = RelayTransport.Upgrade)
    {
        var client = Create(relay, issuer, vpcs, transport);
        client.Client.Start();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await client.Client.WaitConnectedAsync(timeout.Token);
        return client;
    }

    /// <summary>Next packet within <paramref name="timeout"/>, or null.</summary>
    public async Task<Received?> ReceiveAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            return await Packets.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    public static async Task<T?> NextAsync<T>(Channel<T> channel, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            return await channel.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            return default;
        }
    }

    public ValueTask DisposeAsync() => Client.DisposeAsync();

    internal sealed record Received(PublicKey Source, byte[] Packet, PacketKind Kind);
}
