using Nexodus.Mesh.Core.Keys;

namespace Nexodus.Mesh.Relay.Protocol;

/// <summary>
/// Second frame, from the client. The box is <c>Box.Seal(nodePrivate, relayPublic, ClientInfoContext, info)</c>
/// with <see cref="ClientInfoPlaintext"/> inside: only the holder of the node private key can make a box that
/// the relay opens with the claimed key, and the challenge inside makes it single-use.
/// <code>
/// node public key(32) | box(nonce 12 | ciphertext | tag 16)
/// </code>
/// </summary>
public readonly record struct ClientInfoFrame(PublicKey NodeKey, byte[] SealedInfo)
{
    public const int MinSize = ProtocolConstants.KeySize + Box.Overhead + ClientInfoPlaintext.MinSize;

    public static ClientInfoFrame Read(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < MinSize)
        {
            throw new RelayProtocolException($"client-info frame is {payload.Length} bytes, needs at least {MinSize}");
        }

        return new ClientInfoFrame(PublicKey.FromBytes(payload[..ProtocolConstants.KeySize]), payload[ProtocolConstants.KeySize..].ToArray());
    }

    public byte[] Encode()
    {
        var frame = FrameHeader.Allocate(FrameType.ClientInfo, ProtocolConstants.KeySize + SealedInfo.Length);
        NodeKey.Span.CopyTo(frame.AsSpan(ProtocolConstants.HeaderSize));
        SealedInfo.CopyTo(frame.AsSpan(ProtocolConstants.HeaderSize + ProtocolConstants.KeySize));
        return frame;
    }

    /// <summary>Seals <paramref name="info"/> from the node key to the relay and builds the frame.</summary>
    public static ClientInfoFrame Create(PrivateKey nodeKey, PublicKey relayKey, ClientInfoPlaintext info) =>
        new(nodeKey.PublicKey, Box.Seal(nodeKey, relayKey, ProtocolConstants.ClientInfoContext, info.Encode()));
}
