using System.Buffers.Binary;

namespace Nexodus.Mesh.Node.WireGuard;

/// <summary>
/// Cookie reply, 64 bytes:
/// <code>
/// 0      1       4               8            32                     64
/// | type | 0 0 0 | receiver (LE) | nonce (24) | cookie (16 + 16 tag) |
/// </code>
/// </summary>
internal static class MessageCookieReply
{
    public const int Size = 64;
    public const int ReceiverOffset = 4;
    public const int NonceOffset = 8;
    public const int CookieOffset = 32;
    public const int CookieLength = Protocol.CookieSize + Protocol.AeadTagSize;

    public static bool IsWellFormed(ReadOnlySpan<byte> msg) =>
        msg.Length == Size && msg[0] == (byte)MessageType.CookieReply && msg[1] == 0 && msg[2] == 0 && msg[3] == 0;

    public static uint Receiver(ReadOnlySpan<byte> msg) => BinaryPrimitives.ReadUInt32LittleEndian(msg[ReceiverOffset..]);
}
