using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Nexodus.Mesh.Control.Admission;
using Nexodus.Mesh.Control.Hosting;
using Nexodus.Mesh.Control.Storage;
using Nexodus.Mesh.Control.Tests.Infrastructure;
using Nexodus.Mesh.Core.Contracts;
using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.Relay.Client;
using Nexodus.Mesh.Relay.Server;
using Nexodus.Mesh.Relay.Transport;
using PublicKey = Nexodus.Mesh.Core.Keys.PublicKey;

namespace Nexodus.Mesh.Control.Tests.Hosting;

/// <summary>
/// The embedded relay puts its key and certificate pin in the relay map, keeps both across restarts (files in the
/// data dir, whatever the database), and a changed key reaches open streams as a relay-map delta.
/// </summary>
public abstract class EmbeddedRelayIdentityTests(DbProvider provider)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task KeyAndPin_InRelayMap_SurviveRestart_AndKeyChangeIsADelta()
    {
        await using var first = await ControlHost.StartAsync(provider);
        using var admin = await World.AdminAsync(first);
        var (_, vpcId) = await World.OrgAsync(admin, "embedded");
        var device = await World.EnrollAsync(first, await World.RegistrationKeyAsync(admin, vpcId, singleUse: false), "e1");
        await using (var stream = await NetmapReader.OpenAsync(device.Client))
        {
            await stream.NextAsync(Wait);
            await using var relay = await StartRelayAsync(first);
            var info = Embedded(await stream.WaitForAsync(m => Embedded(m)?.PublicKey == relay.RelayKey.ToString(), Wait))!;
            Assert.Equal(relay.CertificatePin, info.CertificateSha256);
            Assert.Equal(relay.RelayUrl.Port, info.RelayPort);

            // What the map says is enough to connect: the pin validates the certificate, the key is the server's.
            await AssertReachableAsync(first, info, relay);

            foreach (var file in new[] { EmbeddedRelayIdentity.KeyFileName, EmbeddedRelayIdentity.DevCertificateFileName })
            {
                var path = Path.Combine(first.DataDir, file);
                Assert.True(File.Exists(path), path);
                if (!OperatingSystem.IsWindows())
                {
                    Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
                }
            }
        }

        var keyBefore = await File.ReadAllTextAsync(Path.Combine(first.DataDir, EmbeddedRelayIdentity.KeyFileName));
        var pinBefore = TlsTrust.Sha256Of(DevCertificate.LoadPem(
            Path.Combine(first.DataDir, EmbeddedRelayIdentity.DevCertificateFileName), Path.Combine(first.DataDir, EmbeddedRelayIdentity.DevCertificateFileName)));

        // A restart: a new control process on the same data dir and database.
        await using var second = await ControlHost.StartAsync(provider, sharedPostgresDatabase: first.PostgresDatabase, sharedDataDir: first.DataDir);
        using var deviceOnSecond = second.Client();
        deviceOnSecond.UseDevice(device.Credential);
        await using var streamTwo = await NetmapReader.OpenAsync(deviceOnSecond);
        await streamTwo.NextAsync(Wait);
        PublicKey restartedKey;
        await using (var restarted = await StartRelayAsync(second))
        {
            restartedKey = restarted.RelayKey;
            Assert.True(PrivateKey.TryParse(keyBefore.Trim(), out var storedKey));
            Assert.Equal(storedKey!.PublicKey, restarted.RelayKey);
            Assert.Equal(pinBefore, restarted.CertificatePin);
            var info = Embedded(await streamTwo.WaitForAsync(m => Embedded(m)?.RelayPort == restarted.RelayUrl.Port, Wait))!;
            Assert.Equal(restarted.RelayKey.ToString(), info.PublicKey);
            Assert.Equal(pinBefore, info.CertificateSha256);
        }

        // Another key (an operator rotated the key file): open streams get a relay-map delta with the new key.
        var otherKeyFile = Path.Combine(second.DataDir, "rotated-relay.key");
        await using var rotated = await StartRelayAsync(second, otherKeyFile);
        Assert.NotEqual(restartedKey, rotated.RelayKey);
        var delta = await streamTwo.WaitForAsync(m => Embedded(m)?.PublicKey == rotated.RelayKey.ToString(), Wait);
        Assert.Equal(NetmapMessageTypes.Delta, delta.Type);
        Assert.Equal(pinBefore, Embedded(delta)!.CertificateSha256);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ConfiguredCertificate_IsPinnedOnlyWhenAsked(bool pin)
    {
        await using var host = await ControlHost.StartAsync(provider);
        var certPath = Path.Combine(host.DataDir, "operator.pem");
        using (var cert = DevCertificate.Create())
        using (var key = cert.GetECDsaPrivateKey()!)
        {
            Directory.CreateDirectory(host.DataDir);
            await File.WriteAllTextAsync(certPath, cert.ExportCertificatePem() + "\n" + key.ExportPkcs8PrivateKeyPem());
        }

        await using var relay = await EmbeddedRelay.StartAsync(host.App, new EmbeddedRelayOptions
        {
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            StunListen = null,
            TlsCertFile = certPath,
            TlsKeyFile = certPath,
            PinCertificate = pin,
        });
        var node = await RegisteredNodeAsync(host);
        Assert.Equal(pin ? relay.CertificatePin : null, node.CertificateSha256);
        Assert.Equal(relay.RelayKey.ToString(), node.PublicKey);
        Assert.False(File.Exists(Path.Combine(host.DataDir, EmbeddedRelayIdentity.DevCertificateFileName)));
    }

    [Fact]
    public async Task CorruptKeyFile_StopsStartWithTheFileNamed()
    {
        await using var host = await ControlHost.StartAsync(provider);
        Directory.CreateDirectory(host.DataDir);
        var path = Path.Combine(host.DataDir, EmbeddedRelayIdentity.KeyFileName);
        await File.WriteAllTextAsync(path, "not a key");
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => StartRelayAsync(host));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    private static Task<EmbeddedRelay> StartRelayAsync(ControlHost host, string? keyFile = null) =>
        EmbeddedRelay.StartAsync(host.App, new EmbeddedRelayOptions
        {
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            StunListen = null,
            KeyFile = keyFile,
        });

    private static RelayNodeInfo? Embedded(NetmapMessage m) =>
        (m.Map?.RelayMap ?? m.RelayMap)?.Regions.FirstOrDefault(r => r.Code == EmbeddedRelay.RegionCode)?.Nodes is [var first, ..] ? first : null;

    private static async Task<RelayNode> RegisteredNodeAsync(ControlHost host)
    {
        using var scope = host.App.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ControlDbContext>();
        db.Scope.SetSystem();
        var region = await db.RelayRegions.AsNoTracking().Include(r => r.Nodes).SingleAsync(r => r.Code == EmbeddedRelay.RegionCode);
        return Assert.Single(region.Nodes);
    }

    private static async Task AssertReachableAsync(ControlHost host, RelayNodeInfo info, EmbeddedRelay relay)
    {
        var issuer = host.App.Services.GetRequiredService<RelayTokenIssuer>();
        using var key = PrivateKey.Generate();
        var token = issuer.Issue(key.PublicKey.ToString(), [Guid.NewGuid()]).Token;
        await using var client = new RelayClient(new RelayClientOptions
        {
            Url = new Uri($"https://{info.HostName}:{info.RelayPort}/relay"),
            NodeKey = key,
            TokenProvider = _ => ValueTask.FromResult(token),
            Trust = TlsTrust.Pin(info.CertificateSha256!),
            ExpectedServerKey = PublicKey.Parse(info.PublicKey),
        });
        client.Start();
        using var cts = new CancellationTokenSource(Wait);
        await client.WaitConnectedAsync(cts.Token);
        Assert.Equal(info.PublicKey, client.ServerKey.ToString());
        Assert.Equal(relay.RelayKey, client.ServerKey);
    }
}

public sealed class EmbeddedRelayIdentityTestsSqlite() : EmbeddedRelayIdentityTests(DbProvider.Sqlite);

public sealed class EmbeddedRelayIdentityTestsPostgres() : EmbeddedRelayIdentityTests(DbProvider.Postgres);
