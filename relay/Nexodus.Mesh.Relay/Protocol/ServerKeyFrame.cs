using Nexodus.Mesh.Core.Keys;

namespace Nexodus.Mesh.Relay.Protocol;

/// <summary>
/// First frame from the server.
/// <code>
/// magic "NXRELAY\n"(8) | version(1) | server public key(32) | challenge(32) | ignored...
/// </code>
/// </summary>
public readonly record struct ServerKeyFrame(byte Version, PublicKey ServerKey, byte[] Challenge)
{
    private const int VersionOffset = 8;
    private const int KeyOffset = 9;
    private const int ChallengeOffset = KeyOffset + ProtocolConstants.KeySize;
    public const int MinSize = ChallengeOffset + ProtocolConstants.ChallengeSize;

    public static ServerKeyFrame Read(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < MinSize)
        {
            throw new RelayProtocolException($"server-key frame is {payload.Length} bytes, needs {MinSize}");
        }

        if (!payload[..8].SequenceEqual(ProtocolConstants.Magic))
        {
            throw new RelayProtocolException("server-key frame has a wrong magic: the endpoint is not a nexodus relay");
        }

        return new ServerKeyFrame(
            payload[VersionOffset],
            PublicKey.FromBytes(payload.Slice(KeyOffset, ProtocolConstants.KeySize)),
            payload.Slice(ChallengeOffset, ProtocolConstants.ChallengeSize).ToArray());
    }

    public byte[] Encode()
    {
        var frame = FrameHeader.Allocate(FrameType.ServerKey, MinSize);
        var p = frame.AsSpan(ProtocolConstants.HeaderSize);
        ProtocolConstants.Magic.CopyTo(p);
        p[VersionOffset] = Version;
        ServerKey.Span.CopyTo(p[KeyOffset..]);
        Challenge.AsSpan(0, ProtocolConstants.ChallengeSize).CopyTo(p[ChallengeOffset..]);
        return frame;
    }
}
