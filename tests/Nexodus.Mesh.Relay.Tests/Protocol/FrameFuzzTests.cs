using System.Buffers;
using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.Relay.Protocol;

namespace Nexodus.Mesh.Relay.Tests.Protocol;

/// <summary>
/// Random and mutated inputs through the reader and every frame parser: the only exception that may escape is
/// <see cref="RelayProtocolException"/>, and nothing allocates in proportion to a length field it has not yet
/// received (the reader never buffers beyond the max frame).
/// </summary>
public sealed class FrameFuzzTests
{
    private const int Iterations = 20_000;

    private static byte[][] Seeds()
    {
        var key = PublicKey.FromBytes(new byte[32].Select((_, i) => (byte)(i + 1)).ToArray());
        var send = new byte[PacketFrame.FrameSize(20)];
        PacketFrame.Write(send, FrameType.SendPacket, key.Span, PacketKind.Data, new byte[20]);
        var forward = new byte[ForwardPacketFrame.FrameSize(10)];
        ForwardPacketFrame.Write(forward, key.Span, key.Span, PacketKind.Disco, new byte[10]);
        return
        [
            new ServerKeyFrame(1, key, new byte[32]).Encode(),
            new ClientInfoFrame(key, new byte[80]).Encode(),
            new ServerInfoFrame(1, TimeSpan.FromSeconds(5)).Encode(),
            send,
            forward,
            new PingFrame(42).Encode(FrameType.Ping),
            PeerGoneFrame.Encode(key.Span, PeerGoneReason.Disconnected),
            new KeyFrame(key).Encode(FrameType.PeerPresent),
            new TextFrame("hello").Encode(FrameType.Health),
            new RestartingFrame(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)).Encode(),
            new MeshHelloFrame(key, new byte[32], "r").Encode(),
            new MeshPeerPresentFrame(key, [Guid.NewGuid(), Guid.NewGuid()]).Encode(),
            new ClientInfoPlaintext(1, new byte[32], "a.b.c").Encode(),
        ];
    }

    [Fact]
    public void RandomBytes_NeverThrowAnythingButProtocolException()
    {
        var rng = new Random(1234);
        for (var i = 0; i < Iterations; i++)
        {
            var data = new byte[rng.Next(0, 300)];
            rng.NextBytes(data);
            if (data.Length > 1 && rng.Next(3) == 0)
            {
                data[1] = 0; // plausible lengths too, not only huge ones
                if (data.Length > 2)
                {
                    data[2] = 0;
                }
            }

            ParseAll(data);
        }
    }

    [Fact]
    public void MutatedFrames_NeverThrowAnythingButProtocolException()
    {
        var rng = new Random(5678);
        var seeds = Seeds();
        for (var i = 0; i < Iterations; i++)
        {
            var data = (byte[])seeds[rng.Next(seeds.Length)].Clone();
            var mutations = rng.Next(1, 4);
            for (var m = 0; m < mutations; m++)
            {
                switch (rng.Next(4))
                {
                    case 0:
                        data[rng.Next(data.Length)] ^= (byte)(1 << rng.Next(8));
                        break;
                    case 1:
                        data[rng.Next(data.Length)] = (byte)rng.Next(256);
                        break;
                    case 2:
                        data = data.AsSpan(0, rng.Next(data.Length)).ToArray();
                        break;
                    default:
                        var extra = new byte[rng.Next(1, 40)];
                        rng.NextBytes(extra);
                        data = data.Concat(extra).ToArray();
                        break;
                }

                if (data.Length == 0)
                {
                    break;
                }
            }

            ParseAll(data);
        }
    }

    [Fact]
    public void HugeDeclaredLength_IsRejectedFromTheHeaderAlone()
    {
        // Five bytes announcing 4 GiB: rejected before a single payload byte is buffered.
        var seq = new ReadOnlySequence<byte>(new byte[] { 0x04, 0xFF, 0xFF, 0xFF, 0xFF });
        Assert.Throws<RelayProtocolException>(() => FrameReader.TryReadFrame(ref seq, out _, out _));
        var before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            FrameReader.TryReadFrame(new byte[] { 0x04, 0x00, 0x01, 0x00, 0x00 }, out _, out _, out _);
        }
        catch (RelayProtocolException)
        {
        }

        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1024);
    }

    private static void ParseAll(byte[] data)
    {
        try
        {
            var seq = new ReadOnlySequence<byte>(data);
            while (FrameReader.TryReadFrame(ref seq, out var type, out var payload))
            {
                ParseOne(type, payload.ToArray());
            }
        }
        catch (RelayProtocolException)
        {
        }

        // Every parser on the raw bytes as a payload, whatever the type byte says.
        foreach (FrameType type in Enum.GetValues<FrameType>())
        {
            try
            {
                ParseOne(type, data);
            }
            catch (RelayProtocolException)
            {
            }
        }

        try
        {
            ClientInfoPlaintext.Read(data);
        }
        catch (RelayProtocolException)
        {
        }
    }

    private static void ParseOne(FrameType type, byte[] payload)
    {
        switch (type)
        {
            case FrameType.ServerKey: ServerKeyFrame.Read(payload); break;
            case FrameType.ClientInfo: ClientInfoFrame.Read(payload); break;
            case FrameType.ServerInfo: ServerInfoFrame.Read(payload); break;
            case FrameType.SendPacket or FrameType.RecvPacket: PacketFrame.Read(payload); break;
            case FrameType.Ping or FrameType.Pong: PingFrame.Read(payload); break;
            case FrameType.PeerGone: PeerGoneFrame.Read(payload); break;
            case FrameType.PeerPresent or FrameType.MeshPeerGone: KeyFrame.Read(payload); break;
            case FrameType.Health: TextFrame.Read(payload, ProtocolConstants.MaxHealthSize); break;
            case FrameType.TokenUpdate: TextFrame.Read(payload, ProtocolConstants.MaxTokenSize); break;
            case FrameType.Restarting: RestartingFrame.Read(payload); break;
            case FrameType.MeshHello: MeshHelloFrame.Read(payload); break;
            case FrameType.MeshPeerPresent: MeshPeerPresentFrame.Read(payload); break;
            case FrameType.ForwardPacket: ForwardPacketFrame.Read(payload); break;
            default: break;
        }
    }
}
