using System.Buffers.Binary;

namespace Nexodus.Mesh.Node.WireGuard;

/// <summary>
/// Handshake response, 92 bytes:
/// <code>
/// 0      1       4             8               12               44             60     76     92
/// | type | 0 0 0 | sender (LE) | receiver (LE) | ephemeral (32) | empty (0+16) | mac1 | mac2 |
/// </code>
/// </summary>
internal static class MessageResponse
{
    public const int Size = 92;
    public const int SenderOffset = 4;
    public const int ReceiverOffset = 8;
    public const int EphemeralOffset = 12;
    public const int EmptyOffset = 44;
    public const int Mac1Offset = 60;
    public const int Mac2Offset = 76;

    public static bool IsWellFormed(ReadOnlySpan<byte> msg) =>
        msg.Length == Size && msg[0] == (byte)MessageType.Response && msg[1] == 0 && msg[2] == 0 && msg[3] == 0;

    public static uint Sender(ReadOnlySpan<byte> msg) => BinaryPrimitives.ReadUInt32LittleEndian(msg[SenderOffset..]);

    public static uint Receiver(ReadOnlySpan<byte> msg) => BinaryPrimitives.ReadUInt32LittleEndian(msg[ReceiverOffset..]);
}
