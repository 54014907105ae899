using System.Buffers.Binary;

namespace Nexodus.Mesh.Node.WireGuard;

/// <summary>
/// Handshake initiation, 148 bytes:
/// <code>
/// 0      1      4              8                40                    88               116     132     148
/// | type | 0 0 0 | sender (LE) | ephemeral (32)  | static (32 + 16)   | timestamp (12+16) | mac1  | mac2  |
/// </code>
/// </summary>
internal static class MessageInitiation
{
    public const int Size = 148;
    public const int SenderOffset = 4;
    public const int EphemeralOffset = 8;
    public const int StaticOffset = 40;
    public const int StaticLength = 32 + Protocol.AeadTagSize;
    public const int TimestampOffset = 88;
    public const int TimestampLength = Protocol.TimestampSize + Protocol.AeadTagSize;
    public const int Mac1Offset = 116;
    public const int Mac2Offset = 132;

    public static bool IsWellFormed(ReadOnlySpan<byte> msg) =>
        msg.Length == Size && msg[0] == (byte)MessageType.Initiation && msg[1] == 0 && msg[2] == 0 && msg[3] == 0;

    public static uint Sender(ReadOnlySpan<byte> msg) => BinaryPrimitives.ReadUInt32LittleEndian(msg[SenderOffset..]);
}
