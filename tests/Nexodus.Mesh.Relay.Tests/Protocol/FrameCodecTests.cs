using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.Relay.Protocol;

namespace Nexodus.Mesh.Relay.Tests.Protocol;

/// <summary>Byte vectors per frame: what we write is exactly the documented layout, and it reads back.</summary>
public sealed class FrameCodecTests
{
    private static readonly byte[] KeyA = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
    private static readonly byte[] KeyB = Enumerable.Range(101, 32).Select(i => (byte)i).ToArray();

    private static string Hex(ReadOnlySpan<byte> b) => Convert.ToHexString(b).ToLowerInvariant();

    private static string KeyHex(byte[] k) => Hex(k);

    [Fact]
    public void Header_IsTypeThenBigEndianLength()
    {
        var frame = FrameHeader.Allocate(FrameType.Health, 0x0102);
        Assert.Equal("0b00000102", Hex(frame.AsSpan(0, 5)));
        Assert.True(FrameHeader.TryRead(frame, out var header));
        Assert.Equal(new FrameHeader(FrameType.Health, 0x0102), header);
    }

    [Theory]
    [InlineData("")]
    [InlineData("01")]
    [InlineData("01000000")]
    public void Header_TooShort_NeedsMoreBytes(string hex)
    {
        Assert.False(FrameHeader.TryRead(Convert.FromHexString(hex), out _));
    }

    [Theory]
    [InlineData("0400010001")]
    [InlineData("04ffffffff")]
    [InlineData("7f80000000")]
    public void Header_OverMaxLength_IsProtocolViolation(string hex)
    {
        var e = Assert.Throws<RelayProtocolException>(() => FrameHeader.TryRead(Convert.FromHexString(hex), out _));
        Assert.Contains("above the limit", e.Reason);
    }

    [Fact]
    public void Header_ExactlyMaxLength_IsAccepted()
    {
        Assert.True(FrameHeader.TryRead(Convert.FromHexString("0400010000"), out var h));
        Assert.Equal(ProtocolConstants.MaxPayloadSize, h.Length);
    }

    [Fact]
    public void ServerKey_Vector()
    {
        var challenge = Enumerable.Repeat((byte)0xCC, 32).ToArray();
        var frame = new ServerKeyFrame(1, PublicKey.FromBytes(KeyA), challenge).Encode();
        Assert.Equal("0100000049" + "4e5852454c41590a" + "01" + KeyHex(KeyA) + new string('c', 64), Hex(frame));
        var read = ServerKeyFrame.Read(frame.AsSpan(5));
        Assert.Equal(PublicKey.FromBytes(KeyA), read.ServerKey);
        Assert.Equal(challenge, read.Challenge);
        Assert.Equal(1, read.Version);
    }

    [Fact]
    public void ServerKey_WrongMagic_IsViolation()
    {
        var frame = new ServerKeyFrame(1, PublicKey.FromBytes(KeyA), new byte[32]).Encode();
        frame[5] ^= 0xFF;
        Assert.Throws<RelayProtocolException>(() => ServerKeyFrame.Read(frame.AsSpan(5)));
    }

    [Fact]
    public void SendPacket_Vector()
    {
        var frame = new byte[PacketFrame.FrameSize(3)];
        var n = PacketFrame.Write(frame, FrameType.SendPacket, KeyB, PacketKind.Disco, [0xAA, 0xBB, 0xCC]);
        Assert.Equal(5 + 33 + 3, n);
        Assert.Equal("0400000024" + KeyHex(KeyB) + "01" + "aabbcc", Hex(frame));
        var read = PacketFrame.Read(frame.AsSpan(5));
        Assert.Equal(KeyB, read.Key.ToArray());
        Assert.Equal(PacketKind.Disco, read.Kind);
        Assert.Equal("aabbcc", Hex(read.Packet));
    }

    [Fact]
    public void RecvPacket_UnknownKind_ReadsAsData()
    {
        var payload = Convert.FromHexString(KeyHex(KeyA) + "07" + "01");
        var read = PacketFrame.Read(payload);
        Assert.Equal(PacketKind.Data, read.Kind);
        Assert.Equal("01", Hex(read.Packet));
    }

    [Fact]
    public void ForwardPacket_Vector()
    {
        var frame = new byte[ForwardPacketFrame.FrameSize(2)];
        ForwardPacketFrame.Write(frame, KeyA, KeyB, PacketKind.Data, [0x01, 0x02]);
        Assert.Equal("2300000043" + KeyHex(KeyA) + KeyHex(KeyB) + "00" + "0102", Hex(frame));
        var read = ForwardPacketFrame.Read(frame.AsSpan(5));
        Assert.Equal(KeyA, read.Source.ToArray());
        Assert.Equal(KeyB, read.Destination.ToArray());
        Assert.Equal("0102", Hex(read.Packet));
    }

    [Fact]
    public void PingPong_Vector()
    {
        Assert.Equal("07000000080102030405060708", Hex(new PingFrame(0x0102030405060708).Encode(FrameType.Ping)));
        Assert.Equal("08000000080102030405060708", Hex(new PingFrame(0x0102030405060708).Encode(FrameType.Pong)));
        Assert.Equal(0x0102030405060708UL, PingFrame.Read(Convert.FromHexString("0102030405060708ffff")).Data);
    }

    [Fact]
    public void PeerGone_Vector()
    {
        Assert.Equal("0900000021" + KeyHex(KeyA) + "01", Hex(PeerGoneFrame.Encode(KeyA, PeerGoneReason.NotHere)));
        var read = PeerGoneFrame.Read(Convert.FromHexString(KeyHex(KeyA) + "00"));
        Assert.Equal(PeerGoneReason.Disconnected, read.Reason);
    }

    [Fact]
    public void PeerPresent_And_MeshPeerGone_Vectors()
    {
        Assert.Equal("0a00000020" + KeyHex(KeyA), Hex(new KeyFrame(PublicKey.FromBytes(KeyA)).Encode(FrameType.PeerPresent)));
        Assert.Equal("2200000020" + KeyHex(KeyB), Hex(new KeyFrame(PublicKey.FromBytes(KeyB)).Encode(FrameType.MeshPeerGone)));
    }

    [Fact]
    public void Health_And_KeepAlive_Vectors()
    {
        Assert.Equal("0b000000026f6b", Hex(new TextFrame("ok").Encode(FrameType.Health)));
        Assert.Equal("0600000000", Hex(SimpleFrames.KeepAlive.Span));
        Assert.Throws<RelayProtocolException>(() => TextFrame.Read([0xC3, 0x28], 100));
    }

    [Fact]
    public void Restarting_Vector()
    {
        var frame = new RestartingFrame(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30)).Encode();
        Assert.Equal("0c00000008" + "000001f4" + "00007530", Hex(frame));
        var read = RestartingFrame.Read(frame.AsSpan(5));
        Assert.Equal(TimeSpan.FromMilliseconds(500), read.ReconnectIn);
    }

    [Fact]
    public void ServerInfo_Vector()
    {
        Assert.Equal("0300000005" + "01" + "00007530", Hex(new ServerInfoFrame(1, TimeSpan.FromSeconds(30)).Encode()));
    }

    [Fact]
    public void MeshPeerPresent_Vector()
    {
        var vpc = Guid.Parse("00112233-4455-6677-8899-aabbccddeeff");
        var frame = new MeshPeerPresentFrame(PublicKey.FromBytes(KeyA), [vpc]).Encode();
        Assert.Equal("2100000031" + KeyHex(KeyA) + "01" + "00112233445566778899aabbccddeeff", Hex(frame));
        Assert.Equal([vpc], MeshPeerPresentFrame.Read(frame.AsSpan(5)).Vpcs);
    }

    [Theory]
    [InlineData("02")] // claims 2 VPCs, carries none
    [InlineData("ff")] // over the per-key limit
    public void MeshPeerPresent_BadCount_IsViolation(string count)
    {
        Assert.Throws<RelayProtocolException>(() => MeshPeerPresentFrame.Read(Convert.FromHexString(KeyHex(KeyA) + count)));
    }

    [Fact]
    public void MeshHello_Vector_AndProofBindsChallengeAndKeys()
    {
        var proof = Enumerable.Repeat((byte)0x55, 32).ToArray();
        var frame = new MeshHelloFrame(PublicKey.FromBytes(KeyA), proof, "eu").Encode();
        Assert.Equal("2000000042" + KeyHex(KeyA) + new string('5', 64) + "6575", Hex(frame));
        var meshKey = new byte[32];
        var p1 = MeshHelloFrame.ComputeProof(meshKey, new byte[32], PublicKey.FromBytes(KeyA), PublicKey.FromBytes(KeyB));
        var p2 = MeshHelloFrame.ComputeProof(meshKey, new byte[32], PublicKey.FromBytes(KeyB), PublicKey.FromBytes(KeyA));
        var challenge = new byte[32];
        challenge[0] = 1;
        var p3 = MeshHelloFrame.ComputeProof(meshKey, challenge, PublicKey.FromBytes(KeyA), PublicKey.FromBytes(KeyB));
        Assert.NotEqual(p1, p2);
        Assert.NotEqual(p1, p3);
    }

    [Fact]
    public void ClientInfo_RoundTrip_OpensOnlyWithTheRightKeys()
    {
        using var node = PrivateKey.Generate();
        using var relay = PrivateKey.Generate();
        using var other = PrivateKey.Generate();
        var challenge = Enumerable.Repeat((byte)7, 32).ToArray();
        var frame = ClientInfoFrame.Create(node, relay.PublicKey, new ClientInfoPlaintext(1, challenge, "tok.en.sig")).Encode();
        Assert.Equal((byte)FrameType.ClientInfo, frame[0]);
        var read = ClientInfoFrame.Read(frame.AsSpan(5));
        Assert.Equal(node.PublicKey, read.NodeKey);

        var plaintext = new byte[read.SealedInfo.Length];
        Assert.True(Box.TryOpen(relay, node.PublicKey, ProtocolConstants.ClientInfoContext, read.SealedInfo, plaintext, out var n));
        var info = ClientInfoPlaintext.Read(plaintext.AsSpan(0, n));
        Assert.Equal("tok.en.sig", info.Token);
        Assert.Equal(challenge, info.Challenge);
        Assert.False(Box.TryOpen(relay, other.PublicKey, ProtocolConstants.ClientInfoContext, read.SealedInfo, plaintext, out _));
        Assert.False(Box.TryOpen(other, node.PublicKey, ProtocolConstants.ClientInfoContext, read.SealedInfo, plaintext, out _));
    }

    [Fact]
    public void ClientInfoPlaintext_TokenLengthBeyondData_IsViolation()
    {
        var bytes = new ClientInfoPlaintext(1, new byte[32], "abc").Encode();
        bytes[34] = 0x10;
        Assert.Throws<RelayProtocolException>(() => ClientInfoPlaintext.Read(bytes));
    }

    [Fact]
    public void FrameReader_SplitsAStream_AcrossPartialReads()
    {
        var one = new PingFrame(1).Encode(FrameType.Ping);
        var two = new TextFrame("hi").Encode(FrameType.Health);
        var stream = one.Concat(two).ToArray();
        for (var cut = 0; cut <= stream.Length; cut++)
        {
            var seq = new System.Buffers.ReadOnlySequence<byte>(stream.AsMemory(0, cut));
            var frames = 0;
            while (FrameReader.TryReadFrame(ref seq, out _, out _))
            {
                frames++;
            }

            Assert.Equal(cut >= stream.Length ? 2 : cut >= one.Length ? 1 : 0, frames);
        }
    }
}
