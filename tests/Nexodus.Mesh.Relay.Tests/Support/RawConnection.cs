using System.IO.Pipelines;
using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.Relay.Protocol;
using Nexodus.Mesh.Relay.Transport;
using Nexodus.Mesh.TestDoubles.Relay;

namespace Nexodus.Mesh.Relay.Tests.Support;

/// <summary>A hand-driven connection to a relay, for sending frames a well-behaved client never would.</summary>
internal sealed class RawConnection : IAsyncDisposable
{
    private RawConnection(Stream stream, PipeReader reader, ServerKeyFrame serverKey)
    {
        Stream = stream;
        Reader = reader;
        ServerKey = serverKey;
    }

    public Stream Stream { get; }

    public PipeReader Reader { get; }

    public ServerKeyFrame ServerKey { get; }

    public static async Task<RawConnection> OpenAsync(RelayTestServer relay, RelayTransport transport = RelayTransport.Upgrade)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var stream = await RelayDialer.ConnectAsync(relay.RelayUrl, transport, relay.Trust, timeout.Token);
        var reader = FrameStreamReader.Create(stream);
        var (type, payload) = await FrameStreamReader.ReadOneAsync(reader, timeout.Token);
        Assert.Equal(FrameType.ServerKey, type);
        return new RawConnection(stream, reader, ServerKeyFrame.Read(payload));
    }

    /// <summary>Completes a correct handshake and waits for server-info.</summary>
    public static async Task<RawConnection> AdmitAsync(RelayTestServer relay, TestTokenIssuer issuer, PrivateKey key, Guid[] vpcs)
    {
        var raw = await OpenAsync(relay);
        var info = ClientInfoFrame.Create(key, raw.ServerKey.ServerKey, new ClientInfoPlaintext(ProtocolConstants.Version, raw.ServerKey.Challenge, issuer.Issue(key.PublicKey, vpcs)));
        await raw.WriteAsync(info.Encode());
        var (type, _) = await raw.ReadAsync();
        Assert.Equal(FrameType.ServerInfo, type);
        return raw;
    }

    public async Task WriteAsync(ReadOnlyMemory<byte> bytes)
    {
        await Stream.WriteAsync(bytes);
        await Stream.FlushAsync();
    }

    public async Task<(FrameType Type, byte[] Payload)> ReadAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        return await FrameStreamReader.ReadOneAsync(Reader, timeout.Token);
    }

    /// <summary>
    /// Reads until the relay closes the connection; returns the health text it sent before closing (or "" if none),
    /// or null when the connection is still open after <paramref name="timeout"/>.
    /// </summary>
    public async Task<string?> WaitClosedAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var health = "";
        try
        {
            while (true)
            {
                var (type, payload) = await FrameStreamReader.ReadOneAsync(Reader, cts.Token);
                if (type == FrameType.Health)
                {
                    health = TextFrame.Read(payload, ProtocolConstants.MaxPayloadSize).Text;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return null;
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or System.Net.WebSockets.WebSocketException)
        {
            return health;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Reader.CompleteAsync();
        await Stream.DisposeAsync();
    }
}
