using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Nexodus.Mesh.Node.Disco;

/// <summary>The 12-byte transaction id that pairs a pong with its ping. A value type so it can key a dictionary without allocating.</summary>
internal readonly record struct DiscoTxId(ulong High, uint Low)
{
    public const int Size = 12;

    public static DiscoTxId NewRandom()
    {
        Span<byte> raw = stackalloc byte[Size];
        RandomNumberGenerator.Fill(raw);
        return Read(raw);
    }

    public static DiscoTxId Read(ReadOnlySpan<byte> raw) =>
        new(BinaryPrimitives.ReadUInt64BigEndian(raw), BinaryPrimitives.ReadUInt32BigEndian(raw[8..]));

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, High);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], Low);
    }

    public override string ToString() => High.ToString("x16") + Low.ToString("x8");
}
