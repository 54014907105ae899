using System.Text;

namespace Nexodus.Mesh.Relay.Protocol;

/// <summary>
/// Frames whose payload is UTF-8 text: health (a problem, empty = healthy) and token-update (a JWT).
/// <code>
/// UTF-8 text (health ≤ 1 KiB, token ≤ 8 KiB)
/// </code>
/// </summary>
public readonly record struct TextFrame(string Text)
{
    private static readonly UTF8Encoding Strict = new(false, true);

    public static TextFrame Read(ReadOnlySpan<byte> payload, int maxBytes)
    {
        if (payload.Length > maxBytes)
        {
            throw new RelayProtocolException($"text frame is {payload.Length} bytes, the limit is {maxBytes}");
        }

        try
        {
            return new TextFrame(Strict.GetString(payload));
        }
        catch (DecoderFallbackException e)
        {
            throw new RelayProtocolException("text frame is not valid UTF-8", e);
        }
    }

    public byte[] Encode(FrameType type)
    {
        var bytes = Encoding.UTF8.GetBytes(Text);
        var frame = FrameHeader.Allocate(type, bytes.Length);
        bytes.CopyTo(frame.AsSpan(ProtocolConstants.HeaderSize));
        return frame;
    }
}
