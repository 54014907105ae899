using System.Security.Cryptography;
using System.Text;
using Nexodus.Mesh.Core.Keys;

namespace Nexodus.Mesh.Relay.Protocol;

/// <summary>
/// A relay of the same region introducing itself instead of client-info. The proof is
/// HMAC-SHA256(mesh key, context | challenge | dialer relay key | server relay key): it shows the mesh key without
/// revealing it, and the challenge makes it single-use. The server compares it in constant time.
/// <code>
/// relay public key(32) | proof(32) | region (UTF-8, ≤ 64 bytes)
/// </code>
/// </summary>
public readonly record struct MeshHelloFrame(PublicKey RelayKey, byte[] Proof, string Region)
{
    public const int ProofSize = 32;
    public const int MinSize = ProtocolConstants.KeySize + ProofSize;

    public static MeshHelloFrame Read(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < MinSize || payload.Length > MinSize + ProtocolConstants.MaxRegionSize)
        {
            throw new RelayProtocolException($"mesh-hello frame is {payload.Length} bytes, expected {MinSize}..{MinSize + ProtocolConstants.MaxRegionSize}");
        }

        var region = TextFrame.Read(payload[MinSize..], ProtocolConstants.MaxRegionSize).Text;
        return new MeshHelloFrame(PublicKey.FromBytes(payload[..ProtocolConstants.KeySize]), payload.Slice(ProtocolConstants.KeySize, ProofSize).ToArray(), region);
    }

    public byte[] Encode()
    {
        var region = Encoding.UTF8.GetBytes(Region);
        if (region.Length > ProtocolConstants.MaxRegionSize)
        {
            throw new ArgumentException($"region name is longer than {ProtocolConstants.MaxRegionSize} bytes");
        }

        var frame = FrameHeader.Allocate(FrameType.MeshHello, MinSize + region.Length);
        var p = frame.AsSpan(ProtocolConstants.HeaderSize);
        RelayKey.Span.CopyTo(p);
        Proof.CopyTo(p[ProtocolConstants.KeySize..]);
        region.CopyTo(p[MinSize..]);
        return frame;
    }

    public static byte[] ComputeProof(ReadOnlySpan<byte> meshKey, ReadOnlySpan<byte> challenge, PublicKey dialerKey, PublicKey serverKey)
    {
        var context = ProtocolConstants.MeshHelloContext;
        var message = new byte[context.Length + challenge.Length + (2 * ProtocolConstants.KeySize)];
        context.CopyTo(message);
        challenge.CopyTo(message.AsSpan(context.Length));
        dialerKey.Span.CopyTo(message.AsSpan(context.Length + challenge.Length));
        serverKey.Span.CopyTo(message.AsSpan(context.Length + challenge.Length + ProtocolConstants.KeySize));
        return HMACSHA256.HashData(meshKey, message);
    }
}
