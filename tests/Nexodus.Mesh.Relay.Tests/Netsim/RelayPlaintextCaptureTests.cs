using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.Netsim;
using Nexodus.Mesh.Netsim.Scenarios;
using Nexodus.Mesh.Relay.Client;
using Nexodus.Mesh.Relay.Server;
using Nexodus.Mesh.Relay.Transport;
using Nexodus.Mesh.TestDoubles;
using Nexodus.Mesh.TestDoubles.Relay;
using Xunit.Abstractions;

namespace Nexodus.Mesh.Relay.Tests.Netsim;

/// <summary>
/// The relay sits on a simulated-internet host; alice and bob are behind their own NATs. They exchange packets
/// that carry a plaintext marker inside their own end-to-end encryption (ChaCha20-Poly1305 with a key only they
/// share, as the WireGuard engine would). A capture on the relay's link must never show the marker — neither
/// with TLS nor on a plain-HTTP relay (the relay only ever handles ciphertext). The control run sends the marker
/// unencrypted over plain HTTP and must find it, proving the capture would have caught a leak.
/// </summary>
public sealed class RelayPlaintextCaptureTests(ITestOutputHelper output)
{
    private const int Packets = 200;
    private const int PacketSize = 1400;
    private static readonly IPAddress RelayAddress = IPAddress.Parse("203.0.113.40");

    [RootTheory]
    [InlineData(true, true)]
    [InlineData(false, true)]
    [InlineData(false, false)]
    public async Task MarkerInsideNodeEncryption_NeverAppearsOnTheRelayLink(bool tls, bool endToEnd)
    {
        var scenario = new ScenarioBuilder("relay-plaintext")
            .Network("internet", "203.0.113.0/24")
            .Network("lan1", "192.168.10.0/24")
            .Network("lan2", "192.168.20.0/24")
            .Router("nat1", "internet", "lan1")
            .Router("nat2", "internet", "lan2")
            .Host("relay", "internet", RelayAddress)
            .Host("alice", "lan1")
            .Host("bob", "lan2")
            .Build();
        await using var lab = await Lab.StartAsync(scenario);
        var relayHost = lab.Host("relay");
        var alice = lab.Host("alice");
        var bob = lab.Host("bob");

        using var issuer = new TestTokenIssuer();
        var vpc = Guid.NewGuid();
        using var relayKey = PrivateKey.Generate();
        using var cert = DevCertificate.Create([RelayAddress.ToString()]);
        var listener = relayHost.OpenTcpListener(new IPEndPoint(RelayAddress, 443));
        await using var relay = await RelayHost.StartAsync(
            new RelayHostOptions { ListenSocket = listener, Certificate = tls ? cert : null, ControlJwksJson = issuer.JwksJson },
            new RelayServerOptions { PrivateKey = relayKey });
        Assert.Equal(RelayAddress.ToString(), relay.Url.Host);

        var sharedKey = RandomNumberGenerator.GetBytes(32);
        var marker = Encoding.ASCII.GetBytes($"NEXODUS-PLAINTEXT-MARKER-{Guid.NewGuid():N}");
        var received = Channel.CreateUnbounded<byte[]>();
        using var aliceKey = PrivateKey.Generate();
        using var bobKey = PrivateKey.Generate();
        RelayClient Client(LabHost host, PrivateKey key, RelayPacketHandler? handler) => new(new RelayClientOptions
        {
            Url = relay.RelayUrl,
            NodeKey = key,
            TokenProvider = _ => ValueTask.FromResult(issuer.Issue(key.PublicKey, [vpc])),
            Trust = TlsTrust.Pin(TlsTrust.Sha256Of(cert)),
            ExpectedServerKey = relayKey.PublicKey,
            SocketFactory = () => host.OpenSocket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp),
            OnPacket = handler,
        });
        await using var aliceClient = Client(alice, aliceKey, null);
        await using var bobClient = Client(bob, bobKey, (_, packet, _) => received.Writer.TryWrite(packet.ToArray()));
        aliceClient.Start();
        bobClient.Start();
        using (var connect = new CancellationTokenSource(TimeSpan.FromSeconds(15)))
        {
            await aliceClient.WaitConnectedAsync(connect.Token);
            await bobClient.WaitConnectedAsync(connect.Token);
        }

        await using var capture = await relayHost.CaptureAsync(filter: "tcp port 443");
        using var aead = new ChaCha20Poly1305(sharedKey);
        var plaintext = new byte[PacketSize - 28];
        marker.CopyTo(plaintext, 0);
        marker.CopyTo(plaintext, plaintext.Length - marker.Length);
        for (var i = 0; i < Packets; i++)
        {
            byte[] wire;
            if (endToEnd)
            {
                wire = new byte[PacketSize];
                RandomNumberGenerator.Fill(wire.AsSpan(0, 12));
                aead.Encrypt(wire.AsSpan(0, 12), plaintext, wire.AsSpan(12, plaintext.Length), wire.AsSpan(12 + plaintext.Length, 16));
            }
            else
            {
                wire = plaintext;
            }

            Assert.True(aliceClient.Send(bobKey.PublicKey, wire));
            if (i % 20 == 19)
            {
                await Task.Delay(5);
            }
        }

        var delivered = 0;
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15)))
        {
            while (delivered < Packets)
            {
                var packet = await received.Reader.ReadAsync(timeout.Token);
                var inner = packet;
                if (endToEnd)
                {
                    inner = new byte[packet.Length - 28];
                    aead.Decrypt(packet.AsSpan(0, 12), packet.AsSpan(12, inner.Length), packet.AsSpan(12 + inner.Length, 16), inner);
                }

                Assert.True(inner.AsSpan(0, marker.Length).SequenceEqual(marker));
                delivered++;
            }
        }

        var pcap = await File.ReadAllBytesAsync(await capture.StopAsync());
        var hits = Count(pcap, marker);
        output.WriteLine($"tls={tls} e2e={endToEnd}: capture {pcap.Length} bytes, marker seen {hits} times, {delivered} packets delivered");

        // The capture really saw the transfer (both directions of the relay link: in from alice, out to bob).
        Assert.True(pcap.Length > 2 * Packets * PacketSize, $"capture holds only {pcap.Length} bytes");
        if (endToEnd)
        {
            Assert.Equal(0, hits);
        }
        else
        {
            // Control: unencrypted, the marker is plainly visible (twice per packet, each way through the relay).
            Assert.True(hits >= Packets, $"control run: marker seen only {hits} times; the capture would not have caught a leak");
        }
    }

    private static int Count(byte[] haystack, byte[] needle)
    {
        var count = 0;
        var span = haystack.AsSpan();
        int index;
        while ((index = span.IndexOf(needle)) >= 0)
        {
            count++;
            span = span[(index + needle.Length)..];
        }

        return count;
    }
}
