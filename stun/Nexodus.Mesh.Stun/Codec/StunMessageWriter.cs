using System.Buffers.Binary;
using System.IO.Hashing;

namespace Nexodus.Mesh.Stun.Codec;

/// <summary>
/// Writes a STUN message into a caller-provided buffer. Every Add… returns false (and the writer stays
/// failed) when the buffer is too small, so a caller can check once at the end via <see cref="TryComplete"/>.
/// The header length is kept current after each attribute, which FINGERPRINT needs and which makes the
/// buffer a valid message at every step. Padding bytes are zero (RFC 8489 §14).
/// </summary>
public ref struct StunMessageWriter
{
    private readonly Span<byte> _buffer;
    private int _length;
    private bool _overflowed;

    public StunMessageWriter(Span<byte> buffer, ushort messageType, StunTransactionId transactionId)
    {
        _buffer = buffer;
        if (buffer.Length < StunConstants.HeaderLength)
        {
            _overflowed = true;
            return;
        }

        BinaryPrimitives.WriteUInt16BigEndian(buffer, messageType);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[StunConstants.LengthOffset..], 0);
        transactionId.WriteTo(buffer[StunConstants.CookieOffset..]);
        _length = StunConstants.HeaderLength;
    }

    /// <summary>Bytes written so far (a complete message after each successful Add).</summary>
    public readonly int Length => _length;

    public readonly bool Overflowed => _overflowed;

    /// <summary>The message length, or false if any Add ran out of space.</summary>
    public readonly bool TryComplete(out int length)
    {
        length = _overflowed ? 0 : _length;
        return !_overflowed;
    }

    public bool AddXorMappedAddress(StunAddress address) => AddXorAddress(StunAttributeType.XorMappedAddress, address);

    /// <summary>An address attribute in the plain format (MAPPED-ADDRESS, RESPONSE-ORIGIN, OTHER-ADDRESS, CHANGED-ADDRESS, SOURCE-ADDRESS).</summary>
    public bool AddAddress(StunAttributeType type, StunAddress address)
    {
        if (!TryBegin((ushort)type, 4 + address.AddressLength, out var value))
        {
            return false;
        }

        WriteAddress(value, address);
        return true;
    }

    /// <summary>An address attribute in the XOR format (XOR-MAPPED-ADDRESS).</summary>
    public bool AddXorAddress(StunAttributeType type, StunAddress address)
    {
        if (!TryBegin((ushort)type, 4 + address.AddressLength, out var value))
        {
            return false;
        }

        WriteAddress(value, address);
        var port = BinaryPrimitives.ReadUInt16BigEndian(value[2..]);
        BinaryPrimitives.WriteUInt16BigEndian(value[2..], (ushort)(port ^ (StunConstants.MagicCookie >> 16)));
        // cookie ‖ transaction id as written in the header; for IPv4 only the cookie part is used.
        var mask = _buffer.Slice(StunConstants.CookieOffset, address.AddressLength);
        var ip = value.Slice(4, address.AddressLength);
        for (var i = 0; i < ip.Length; i++)
        {
            ip[i] ^= mask[i];
        }

        return true;
    }

    public bool AddChangeRequest(StunChangeRequest flags)
    {
        if (!TryBegin((ushort)StunAttributeType.ChangeRequest, 4, out var value))
        {
            return false;
        }

        BinaryPrimitives.WriteUInt32BigEndian(value, (uint)flags);
        return true;
    }

    public bool AddResponsePort(ushort port)
    {
        if (!TryBegin((ushort)StunAttributeType.ResponsePort, 4, out var value))
        {
            return false;
        }

        BinaryPrimitives.WriteUInt16BigEndian(value, port);
        value[2] = 0;
        value[3] = 0;
        return true;
    }

    public bool AddSoftware(scoped ReadOnlySpan<byte> utf8) => AddAttribute((ushort)StunAttributeType.Software, utf8);

    public bool AddErrorCode(int code, scoped ReadOnlySpan<byte> reasonUtf8)
    {
        if (code is < 300 or > 699)
        {
            throw new ArgumentOutOfRangeException(nameof(code), code, "STUN error codes are 300..699");
        }

        if (!TryBegin((ushort)StunAttributeType.ErrorCode, 4 + reasonUtf8.Length, out var value))
        {
            return false;
        }

        value[0] = 0;
        value[1] = 0;
        value[2] = (byte)(code / 100);
        value[3] = (byte)(code % 100);
        reasonUtf8.CopyTo(value[4..]);
        return true;
    }

    public bool AddUnknownAttributes(scoped ReadOnlySpan<ushort> types)
    {
        if (!TryBegin((ushort)StunAttributeType.UnknownAttributes, types.Length * 2, out var value))
        {
            return false;
        }

        for (var i = 0; i < types.Length; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(value[(i * 2)..], types[i]);
        }

        return true;
    }

    /// <summary>Any attribute by type and raw value.</summary>
    public bool AddAttribute(ushort type, scoped ReadOnlySpan<byte> value)
    {
        if (!TryBegin(type, value.Length, out var destination))
        {
            return false;
        }

        value.CopyTo(destination);
        return true;
    }

    /// <summary>FINGERPRINT (RFC 8489 §14.7); must be the last attribute.</summary>
    public bool AddFingerprint()
    {
        var attributeOffset = _length;
        if (!TryBegin((ushort)StunAttributeType.Fingerprint, 4, out var value))
        {
            return false;
        }

        var crc = Crc32.HashToUInt32(_buffer[..attributeOffset]) ^ StunConstants.FingerprintXor;
        BinaryPrimitives.WriteUInt32BigEndian(value, crc);
        return true;
    }

    private bool TryBegin(ushort type, int valueLength, out Span<byte> value)
    {
        var padded = (valueLength + 3) & ~3;
        var total = _length + StunConstants.AttributeHeaderLength + padded;
        if (_overflowed || valueLength > ushort.MaxValue || total > _buffer.Length || total - StunConstants.HeaderLength > ushort.MaxValue)
        {
            _overflowed = true;
            value = default;
            return false;
        }

        var attribute = _buffer[_length..total];
        BinaryPrimitives.WriteUInt16BigEndian(attribute, type);
        BinaryPrimitives.WriteUInt16BigEndian(attribute[2..], (ushort)valueLength);
        attribute[(StunConstants.AttributeHeaderLength + valueLength)..].Clear();
        value = attribute.Slice(StunConstants.AttributeHeaderLength, valueLength);
        _length = total;
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[StunConstants.LengthOffset..], (ushort)(_length - StunConstants.HeaderLength));
        return true;
    }

    private static void WriteAddress(Span<byte> value, StunAddress address)
    {
        value[0] = 0;
        value[1] = address.IsIPv4 ? StunConstants.FamilyIPv4 : StunConstants.FamilyIPv6;
        BinaryPrimitives.WriteUInt16BigEndian(value[2..], address.Port);
        address.WriteAddressBytes(value[4..]);
    }
}
