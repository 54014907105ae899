using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Nexodus.Mesh.Control.Admission;
using Nexodus.Mesh.Control.Hosting;
using Nexodus.Mesh.Control.Storage;
using Nexodus.Mesh.Control.Tests.Infrastructure;
using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.Relay.Client;
using Nexodus.Mesh.Relay.Transport;
using Nexodus.Mesh.Stun.Client;

namespace Nexodus.Mesh.Control.Tests.Hosting;

/// <summary>The one-box setup: control hosts a relay and STUN; the relay admits exactly what control signs.</summary>
public sealed class EmbeddedRelayTests
{
    [Fact]
    public async Task EmbeddedRelay_ForwardsBetweenKeysControlAdmitted_AndServesStun()
    {
        await using var control = await ControlHost.StartAsync(DbProvider.Sqlite);
        await using var relay = await EmbeddedRelay.StartAsync(control.App, new EmbeddedRelayOptions
        {
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            StunListen = new IPEndPoint(IPAddress.Loopback, 0),
        });

        // Registered as the global relay region so it is in every relay map.
        using (var scope = control.App.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ControlDbContext>();
            db.Scope.SetSystem();
            var region = await db.RelayRegions.Include(r => r.Nodes).SingleAsync(r => r.Code == EmbeddedRelay.RegionCode);
            Assert.Equal(relay.RelayUrl.Port, Assert.Single(region.Nodes).RelayPort);
            // Devices report their home region as 1-65535 (PUT /api/device/status); id 0 made every report a 400.
            Assert.Equal(EmbeddedRelay.PreferredRegionId, region.Id);
            Assert.Equal(relay.StunEndpoint!.Port, region.Nodes[0].StunPort);
        }

        var issuer = control.App.Services.GetRequiredService<RelayTokenIssuer>();
        var vpc = Guid.NewGuid();
        using var aliceKey = PrivateKey.Generate();
        using var bobKey = PrivateKey.Generate();
        var received = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var alice = Client(relay, aliceKey, issuer.Issue(aliceKey.PublicKey.ToString(), [vpc]).Token, null);
        await using var bob = Client(relay, bobKey, issuer.Issue(bobKey.PublicKey.ToString(), [vpc]).Token, (src, packet, _) =>
        {
            if (src == aliceKey.PublicKey)
            {
                received.TrySetResult(packet.ToArray());
            }
        });
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await Task.WhenAll(alice.WaitConnectedAsync(cts.Token), bob.WaitConnectedAsync(cts.Token));
        Assert.Equal(relay.RelayKey, alice.ServerKey);

        var payload = "ciphertext from alice"u8.ToArray();
        while (!received.Task.IsCompleted)
        {
            alice.Send(bobKey.PublicKey, payload);
            await Task.WhenAny(received.Task, Task.Delay(100, cts.Token));
        }

        Assert.Equal(payload, await received.Task);

        // A token control did not sign is refused.
        using var mallory = PrivateKey.Generate();
        await using var forged = Client(relay, mallory, "eyJhbGciOiJub25lIn0.e30.", null);
        await Task.Delay(500);
        Assert.False(forged.IsConnected);

        // STUN on the same process answers with the reflexive address.
        await using var stun = StunUdpClient.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var result = await stun.Client.BindAsync(relay.StunEndpoint!, cancellationToken: cts.Token);
        Assert.Equal(stun.LocalEndPoint, result.MappedAddress);
    }

    [Theory]
    [InlineData(new[] { "--relay-listen", "nope" }, "--relay-listen")]
    [InlineData(new[] { "--stun-listen", "1.2.3.4" }, "--stun-listen")]
    [InlineData(new[] { "--relay-tls-cert", "a.pem" }, "--relay-tls-key")]
    [InlineData(new[] { "--relay-host" }, "--relay-host needs a value")]
    [InlineData(new[] { "--relay-tls-pin" }, "--relay-tls-cert")]
    [InlineData(new[] { "--relay-key-file" }, "--relay-key-file needs a value")]
    public void Arguments_Bad_NameTheFlag(string[] args, string expected)
    {
        Assert.False(EmbeddedRelayArguments.TryParse(args, out _, out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Arguments_PassOthersThrough_AndCanDisable()
    {
        Assert.True(EmbeddedRelayArguments.TryParse(["--listen", "http://127.0.0.1:0", "--stun-listen", "off", "--relay-listen", "127.0.0.1:9443"], out var rest, out var options, out _));
        Assert.Equal(["--listen", "http://127.0.0.1:0"], rest);
        Assert.Null(options!.StunListen);
        Assert.Equal(9443, options.Listen.Port);
        Assert.True(EmbeddedRelayArguments.TryParse(["--relay-key-file", "/k", "--relay-tls-cert", "c.pem", "--relay-tls-key", "k.pem", "--relay-tls-pin"], out _, out options, out _));
        Assert.Equal("/k", options!.KeyFile);
        Assert.True(options.PinCertificate);
        Assert.True(EmbeddedRelayArguments.TryParse(["--no-embedded-relay"], out rest, out options, out _));
        Assert.Empty(rest);
        Assert.Null(options);
    }

    private static RelayClient Client(EmbeddedRelay relay, PrivateKey key, string token, RelayPacketHandler? onPacket)
    {
        var client = new RelayClient(new RelayClientOptions
        {
            Url = relay.RelayUrl,
            NodeKey = key,
            TokenProvider = _ => ValueTask.FromResult(token),
            Trust = TlsTrust.Pin(relay.CertificatePin),
            OnPacket = onPacket,
        });
        client.Start();
        return client;
    }
}
