using System.Net;
using Microsoft.Extensions.Time.Testing;
using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.Relay.Client;
using Nexodus.Mesh.Relay.Server;
using Nexodus.Mesh.Relay.Tests.Support;
using Nexodus.Mesh.Relay.Transport;
using Nexodus.Mesh.TestDoubles.Relay;

namespace Nexodus.Mesh.Relay.Tests.Server;

/// <summary>A session lives only as long as its admission token (plus skew), unless the client refreshes it.</summary>
public sealed class AdmissionExpiryTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Session_EndsWhenTokenExpires_UnlessRefreshed(bool refresh)
    {
        using var issuer = new TestTokenIssuer();
        var vpc = Guid.NewGuid();
        var start = DateTimeOffset.UtcNow;
        var time = new FakeTimeProvider(start);
        using var relayKey = PrivateKey.Generate();
        var cert = DevCertificate.Create();
        await using var host = await RelayHost.StartAsync(
            new RelayHostOptions { Listen = new IPEndPoint(IPAddress.Loopback, 0), Certificate = cert, ControlJwksJson = issuer.JwksJson },
            new RelayServerOptions { PrivateKey = relayKey, KeepAlive = TimeSpan.FromSeconds(20) },
            time: time);
        using var nodeKey = PrivateKey.Generate();
        var token = issuer.Issue(nodeKey.PublicKey, [vpc], TimeSpan.FromMinutes(1), start);
        var health = System.Threading.Channels.Channel.CreateUnbounded<string>();
        await using var client = new RelayClient(new RelayClientOptions
        {
            Url = host.RelayUrl,
            NodeKey = nodeKey,
            TokenProvider = _ => ValueTask.FromResult(Volatile.Read(ref token)),
            Trust = TlsTrust.Pin(TlsTrust.Sha256Of(cert)),
            ReconnectMax = TimeSpan.FromSeconds(30),
        });
        client.HealthChanged += h => health.Writer.TryWrite(h);
        client.Start();
        await client.WaitConnectedAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);

        if (refresh)
        {
            Volatile.Write(ref token, issuer.Issue(nodeKey.PublicKey, [vpc], TimeSpan.FromMinutes(10), start));
            Assert.True(client.UpdateToken(token));
            await client.PingAsync(new CancellationTokenSource(TimeSpan.FromSeconds(5)).Token);
        }

        // 1 min lifetime + 30 s skew. Time moves in 10 s steps; a ping after each keeps the session from looking
        // idle, so only the token decides. The keepalive tick after +90 s must find it expired.
        string? message = null;
        for (var step = 0; step < 15 && message is null; step++)
        {
            time.Advance(TimeSpan.FromSeconds(10));
            if (client.IsConnected)
            {
                try
                {
                    await client.PingAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
                }
                catch (Exception e) when (e is OperationCanceledException or InvalidOperationException)
                {
                }
            }

            health.Reader.TryRead(out message);
        }

        message ??= await TestClient.NextAsync(health, TimeSpan.FromSeconds(refresh ? 1 : 5));
        if (refresh)
        {
            Assert.Null(message);
            Assert.Equal(0, host.Server.Metrics.AuthFailures.WithLabels("token_expired_in_session").Value);
        }
        else
        {
            Assert.NotNull(message);
            Assert.Contains("expired", message);
            Assert.Equal(1, host.Server.Metrics.AuthFailures.WithLabels("token_expired_in_session").Value);
        }
    }
}
