using System.Buffers.Binary;

namespace Nexodus.Mesh.Node.WireGuard;

/// <summary>
/// Transport data: 16-byte header then the padded packet encrypted with ChaCha20-Poly1305 (tag at the end):
/// <code>
/// 0      1       4               8              16
/// | type | 0 0 0 | receiver (LE) | counter (LE) | ciphertext ... | tag (16) |
/// </code>
/// A keepalive is a transport message with an empty plaintext (32 bytes).
/// </summary>
internal static class MessageTransport
{
    public const int HeaderSize = 16;
    public const int ReceiverOffset = 4;
    public const int CounterOffset = 8;
    public const int MinSize = HeaderSize + Protocol.AeadTagSize;

    public static bool IsWellFormed(ReadOnlySpan<byte> msg) =>
        msg.Length >= MinSize && msg[0] == (byte)MessageType.Transport && msg[1] == 0 && msg[2] == 0 && msg[3] == 0;

    public static uint Receiver(ReadOnlySpan<byte> msg) => BinaryPrimitives.ReadUInt32LittleEndian(msg[ReceiverOffset..]);

    public static ulong Counter(ReadOnlySpan<byte> msg) => BinaryPrimitives.ReadUInt64LittleEndian(msg[CounterOffset..]);

    public static void WriteHeader(Span<byte> msg, uint receiver, ulong counter)
    {
        msg[0] = (byte)MessageType.Transport;
        msg[1] = 0;
        msg[2] = 0;
        msg[3] = 0;
        BinaryPrimitives.WriteUInt32LittleEndian(msg[ReceiverOffset..], receiver);
        BinaryPrimitives.WriteUInt64LittleEndian(msg[CounterOffset..], counter);
    }
}
