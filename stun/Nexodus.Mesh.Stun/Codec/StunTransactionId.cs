using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Nexodus.Mesh.Stun.Codec;

/// <summary>
/// The 16 bytes at offset 4 of the header: magic cookie + 96-bit transaction id for RFC 5389/8489, or the
/// 128-bit transaction id of RFC 3489. Keeping all 16 bytes lets a server echo a classic id unchanged and lets
/// one type key both kinds of transactions.
/// </summary>
public readonly struct StunTransactionId : IEquatable<StunTransactionId>
{
    /// <summary>Bytes 4..12 of the header (big-endian).</summary>
    private readonly ulong _high;

    /// <summary>Bytes 12..20 of the header (big-endian).</summary>
    private readonly ulong _low;

    private StunTransactionId(ulong high, ulong low)
    {
        _high = high;
        _low = low;
    }

    /// <summary>Length of the field this type covers (cookie + id).</summary>
    public const int Length = 16;

    /// <summary>True when the cookie field does not hold the magic cookie: an RFC 3489 ("classic") transaction.</summary>
    public bool IsClassic => (uint)(_high >> 32) != StunConstants.MagicCookie;

    /// <summary>A fresh RFC 8489 id (magic cookie + 96 random bits from a CSPRNG, as §6 requires).</summary>
    public static StunTransactionId NewRandom()
    {
        Span<byte> random = stackalloc byte[12];
        RandomNumberGenerator.Fill(random);
        Span<byte> all = stackalloc byte[Length];
        BinaryPrimitives.WriteUInt32BigEndian(all, StunConstants.MagicCookie);
        random.CopyTo(all[4..]);
        return Read(all);
    }

    /// <summary>A fresh RFC 3489 id (128 random bits); the first four bytes are re-drawn if they happen to equal the cookie.</summary>
    public static StunTransactionId NewClassic()
    {
        Span<byte> all = stackalloc byte[Length];
        do
        {
            RandomNumberGenerator.Fill(all);
        }
        while (BinaryPrimitives.ReadUInt32BigEndian(all) == StunConstants.MagicCookie);
        return Read(all);
    }

    /// <summary>Reads 16 bytes (cookie field + id).</summary>
    public static StunTransactionId Read(ReadOnlySpan<byte> source) =>
        new(BinaryPrimitives.ReadUInt64BigEndian(source), BinaryPrimitives.ReadUInt64BigEndian(source[8..]));

    /// <summary>Writes 16 bytes (cookie field + id).</summary>
    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, _high);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _low);
    }

    public bool Equals(StunTransactionId other) => _high == other._high && _low == other._low;

    public override bool Equals(object? obj) => obj is StunTransactionId other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(_high, _low);

    public static bool operator ==(StunTransactionId left, StunTransactionId right) => left.Equals(right);

    public static bool operator !=(StunTransactionId left, StunTransactionId right) => !left.Equals(right);

    public override string ToString() => $"{_high:x16}{_low:x16}";
}
