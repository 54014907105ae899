using System.Net;
using Microsoft.Extensions.Time.Testing;
using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.Node.WireGuard;
using Nexodus.Mesh.TestDoubles.WireGuard;

namespace Nexodus.Mesh.Node.Tests.WireGuard;

/// <summary>Two engines over an in-memory bind/TUN pair sharing one fake clock.</summary>
internal sealed class DevicePair : IAsyncDisposable
{
    public const string AddressA = "192.0.2.1:51820";
    public const string AddressB = "192.0.2.2:51820";

    public DevicePair(DeviceOptions? optionsB = null, bool bKnowsEndpoint = true)
    {
        Network = new ChannelNetwork();
        BindA = Network.CreateBind(AddressA);
        BindB = Network.CreateBind(AddressB);
        A = new Device(TunA, BindA, Time);
        B = new Device(TunB, BindB, Time, options: optionsB);
        A.SetPrivateKey(KeyA);
        B.SetPrivateKey(KeyB);
        PeerAtA = A.AddPeer(KeyB.PublicKey);
        PeerAtA.SetEndpoint(ChannelNetwork.Address(AddressB));
        A.AddAllowedIp(PeerAtA, IPNetwork.Parse("10.9.0.2/32"));
        A.AddAllowedIp(PeerAtA, IPNetwork.Parse("fd09::2/128"));
        PeerAtB = B.AddPeer(KeyA.PublicKey);
        if (bKnowsEndpoint)
        {
            PeerAtB.SetEndpoint(ChannelNetwork.Address(AddressA));
        }

        B.AddAllowedIp(PeerAtB, IPNetwork.Parse("10.9.0.1/32"));
        B.AddAllowedIp(PeerAtB, IPNetwork.Parse("fd09::1/128"));
        A.SetListenPort(51820);
        B.SetListenPort(51820);
        A.Up();
        B.Up();
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public ChannelNetwork Network { get; }

    public ChannelBind BindA { get; }

    public ChannelBind BindB { get; }

    public ChannelTun TunA { get; } = new("a0");

    public ChannelTun TunB { get; } = new("b0");

    public PrivateKey KeyA { get; } = PrivateKey.Generate();

    public PrivateKey KeyB { get; private set; } = PrivateKey.Generate();

    public Device A { get; }

    public Device B { get; }

    public Peer PeerAtA { get; set; }

    public Peer PeerAtB { get; set; }

    public static byte[] AtoB(string text) => PacketBuilder.Udp("10.9.0.1", "10.9.0.2", 1000, 2000, System.Text.Encoding.UTF8.GetBytes(text));

    public static byte[] BtoA(string text) => PacketBuilder.Udp("10.9.0.2", "10.9.0.1", 2000, 1000, System.Text.Encoding.UTF8.GetBytes(text));

    /// <summary>Sends from A's host into the tunnel and returns what B's host received (or null).</summary>
    public byte[]? SendAtoB(string text, TimeSpan? timeout = null)
    {
        TunA.SendToTunnel(AtoB(text));
        return TunB.TryReceiveFromTunnel(out var p, timeout ?? TimeSpan.FromSeconds(10)) ? p : null;
    }

    public byte[]? SendBtoA(string text, TimeSpan? timeout = null)
    {
        TunB.SendToTunnel(BtoA(text));
        return TunA.TryReceiveFromTunnel(out var p, timeout ?? TimeSpan.FromSeconds(10)) ? p : null;
    }

    public void ReplaceKeyB(PrivateKey key) => KeyB = key;

    public static void WaitUntil(Func<bool> condition, string what, int timeoutMs = 10_000)
    {
        var deadline = Environment.TickCount64 + timeoutMs;
        while (!condition())
        {
            if (Environment.TickCount64 > deadline)
            {
                throw new TimeoutException("timed out waiting for " + what);
            }

            Thread.Sleep(5);
        }
    }

    /// <summary>
    /// Moves the fake clock in steps, letting packets settle between them, so timers fire in the order they
    /// would in real time (one big Advance fires every due timer at once, at the final time).
    /// </summary>
    public void AdvanceSlowly(TimeSpan total, TimeSpan? step = null)
    {
        var s = step ?? TimeSpan.FromSeconds(1);
        for (var done = TimeSpan.Zero; done < total; done += s)
        {
            Time.Advance(s);
            Thread.Sleep(15);
        }
    }

    /// <summary>Lets in-flight datagrams settle (the engines run on real threads).</summary>
    public static void Settle() => Thread.Sleep(200);

    public async ValueTask DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
    }
}
