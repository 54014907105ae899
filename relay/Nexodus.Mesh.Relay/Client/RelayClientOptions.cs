using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.Relay.Transport;

namespace Nexodus.Mesh.Relay.Client;

/// <summary>Configuration of a node's connection to one relay.</summary>
public sealed class RelayClientOptions
{
    /// <summary>The relay endpoint, e.g. https://relay1.example:443/relay.</summary>
    public required Uri Url { get; init; }

    /// <summary>The node key; used to seal client-info (proof of possession), never sent.</summary>
    public required PrivateKey NodeKey { get; init; }

    /// <summary>
    /// Returns the current admission token (control refreshes it in the netmap). Called on every (re)connect, so a
    /// reconnect always presents the freshest token.
    /// </summary>
    public required Func<CancellationToken, ValueTask<string>> TokenProvider { get; init; }

    /// <summary>The relay's static key from the relay map; when set, any other key is refused before we seal to it.</summary>
    public PublicKey? ExpectedServerKey { get; init; }

    public RelayTransport Transport { get; init; } = RelayTransport.Upgrade;

    public TlsTrust Trust { get; init; } = TlsTrust.System;

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Reconnect backoff: doubles from min to max, with ±20 % jitter; reset after a good connection.</summary>
    public TimeSpan ReconnectMin { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan ReconnectMax { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Bound of the outgoing data queue (packets); the oldest is dropped on overflow.</summary>
    public int SendQueueSize { get; init; } = 1024;

    public RelayPacketHandler? OnPacket { get; init; }

    /// <summary>
    /// Creates the unconnected TCP socket for the upgrade transport (e.g. bound to an interface, or made inside a
    /// network namespace); null = a default socket.
    /// </summary>
    public Func<System.Net.Sockets.Socket>? SocketFactory { get; init; }
}
