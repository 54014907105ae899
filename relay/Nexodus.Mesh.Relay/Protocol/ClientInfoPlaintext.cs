using System.Buffers.Binary;
using System.Text;

namespace Nexodus.Mesh.Relay.Protocol;

/// <summary>
/// What the client seals inside client-info.
/// <code>
/// version(1) | challenge(32) | token length(2, BE) | admission token (UTF-8 JWT) | ignored...
/// </code>
/// </summary>
public readonly record struct ClientInfoPlaintext(byte Version, byte[] Challenge, string Token)
{
    private const int ChallengeOffset = 1;
    private const int TokenLengthOffset = ChallengeOffset + ProtocolConstants.ChallengeSize;
    private const int TokenOffset = TokenLengthOffset + 2;
    public const int MinSize = TokenOffset;

    public static ClientInfoPlaintext Read(ReadOnlySpan<byte> plaintext)
    {
        if (plaintext.Length < MinSize)
        {
            throw new RelayProtocolException("client-info plaintext is truncated");
        }

        var tokenLength = BinaryPrimitives.ReadUInt16BigEndian(plaintext[TokenLengthOffset..]);
        if (tokenLength > ProtocolConstants.MaxTokenSize || plaintext.Length < TokenOffset + tokenLength)
        {
            throw new RelayProtocolException($"client-info token length {tokenLength} is invalid");
        }

        string token;
        try
        {
            token = new UTF8Encoding(false, true).GetString(plaintext.Slice(TokenOffset, tokenLength));
        }
        catch (DecoderFallbackException e)
        {
            throw new RelayProtocolException("client-info token is not UTF-8", e);
        }

        return new ClientInfoPlaintext(plaintext[0], plaintext.Slice(ChallengeOffset, ProtocolConstants.ChallengeSize).ToArray(), token);
    }

    public byte[] Encode()
    {
        var token = Encoding.UTF8.GetBytes(Token);
        if (token.Length > ProtocolConstants.MaxTokenSize)
        {
            throw new ArgumentException($"admission token is {token.Length} bytes, the limit is {ProtocolConstants.MaxTokenSize}");
        }

        var buffer = new byte[TokenOffset + token.Length];
        buffer[0] = Version;
        Challenge.AsSpan(0, ProtocolConstants.ChallengeSize).CopyTo(buffer.AsSpan(ChallengeOffset));
        BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(TokenLengthOffset), (ushort)token.Length);
        token.CopyTo(buffer.AsSpan(TokenOffset));
        return buffer;
    }
}
