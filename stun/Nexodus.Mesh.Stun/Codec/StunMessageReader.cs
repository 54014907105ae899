using System.Buffers.Binary;
using System.IO.Hashing;

namespace Nexodus.Mesh.Stun.Codec;

/// <summary>
/// Parses STUN datagrams. Untrusted input never throws: every failure is a false return with a reason,
/// and nothing is allocated.
/// </summary>
public static class StunMessageReader
{
    /// <summary>
    /// Cheap demultiplexing check for a socket that carries STUN next to other protocols (RFC 8489 §7.3):
    /// top two bits zero, magic cookie, length consistent with the datagram. RFC 3489 messages fail it.
    /// </summary>
    public static bool LooksLikeStun(ReadOnlySpan<byte> datagram) =>
        datagram.Length >= StunConstants.HeaderLength
        && (datagram[0] & 0xC0) == 0
        && BinaryPrimitives.ReadUInt32BigEndian(datagram[StunConstants.CookieOffset..]) == StunConstants.MagicCookie
        && BinaryPrimitives.ReadUInt16BigEndian(datagram[StunConstants.LengthOffset..]) + StunConstants.HeaderLength == datagram.Length;

    public static bool TryRead(ReadOnlySpan<byte> datagram, out StunMessage message) =>
        TryRead(datagram, out message, out _);

    //  0                   1                   2                   3
    //  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // |0 0|     STUN Message Type     |         Message Length        |
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // |                         Magic Cookie                          |
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // |                     Transaction ID (96 bits)                  |
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // followed by attributes: | Type (16) | Length (16) | Value, padded to 4 bytes |
    public static bool TryRead(ReadOnlySpan<byte> datagram, out StunMessage message, out StunParseError error)
    {
        message = default;
        if (datagram.Length < StunConstants.HeaderLength)
        {
            error = StunParseError.TooShort;
            return false;
        }

        var length = BinaryPrimitives.ReadUInt16BigEndian(datagram[StunConstants.LengthOffset..]);
        if ((datagram[0] & 0xC0) != 0 || (length & 3) != 0)
        {
            error = StunParseError.NotStun;
            return false;
        }

        if (length + StunConstants.HeaderLength != datagram.Length)
        {
            error = StunParseError.LengthMismatch;
            return false;
        }

        var parsed = new StunMessage(datagram);
        var afterIntegrity = false;
        var offset = StunConstants.HeaderLength;
        while (offset < datagram.Length)
        {
            if (parsed.HasFingerprint)
            {
                error = StunParseError.AttributeAfterFingerprint;
                return false;
            }

            if (datagram.Length - offset < StunConstants.AttributeHeaderLength)
            {
                error = StunParseError.MalformedAttribute;
                return false;
            }

            var type = BinaryPrimitives.ReadUInt16BigEndian(datagram[offset..]);
            int valueLength = BinaryPrimitives.ReadUInt16BigEndian(datagram[(offset + 2)..]);
            var valueStart = offset + StunConstants.AttributeHeaderLength;
            var paddedLength = (valueLength + 3) & ~3;
            if (paddedLength > datagram.Length - valueStart)
            {
                error = StunParseError.MalformedAttribute;
                return false;
            }

            var value = datagram.Slice(valueStart, valueLength);
            if (type == (ushort)StunAttributeType.Fingerprint)
            {
                // FINGERPRINT is last, so the header length already covers it: the CRC input is the message as is.
                if (valueLength != 4)
                {
                    error = StunParseError.MalformedAttribute;
                    return false;
                }

                var expected = Crc32.HashToUInt32(datagram[..offset]) ^ StunConstants.FingerprintXor;
                if (BinaryPrimitives.ReadUInt32BigEndian(value) != expected)
                {
                    error = StunParseError.BadFingerprint;
                    return false;
                }

                parsed.HasFingerprint = true;
            }
            else if (!afterIntegrity && !ReadAttribute(ref parsed, type, value, offset, ref afterIntegrity))
            {
                error = StunParseError.MalformedAttribute;
                return false;
            }

            offset = valueStart + paddedLength;
        }

        message = parsed;
        error = StunParseError.None;
        return true;
    }

    private static bool ReadAttribute(ref StunMessage message, ushort type, ReadOnlySpan<byte> value, int offset, ref bool afterIntegrity)
    {
        StunAddress address;
        switch ((StunAttributeType)type)
        {
            case StunAttributeType.XorMappedAddress:
                if (!TryReadAddress(value, message.Raw, xor: true, out address))
                {
                    return false;
                }

                message.XorMappedAddress ??= address;
                return true;
            case StunAttributeType.MappedAddress:
                if (!TryReadAddress(value, message.Raw, xor: false, out address))
                {
                    return false;
                }

                message.MappedAddress ??= address;
                return true;
            case StunAttributeType.ResponseOrigin:
                if (!TryReadAddress(value, message.Raw, xor: false, out address))
                {
                    return false;
                }

                message.ResponseOrigin ??= address;
                return true;
            case StunAttributeType.OtherAddress:
                if (!TryReadAddress(value, message.Raw, xor: false, out address))
                {
                    return false;
                }

                message.OtherAddress ??= address;
                return true;
            case StunAttributeType.ChangedAddress:
                if (!TryReadAddress(value, message.Raw, xor: false, out address))
                {
                    return false;
                }

                message.ChangedAddress ??= address;
                return true;
            case StunAttributeType.SourceAddress:
                if (!TryReadAddress(value, message.Raw, xor: false, out address))
                {
                    return false;
                }

                message.SourceAddress ??= address;
                return true;
            case StunAttributeType.AlternateServer:
                if (!TryReadAddress(value, message.Raw, xor: false, out address))
                {
                    return false;
                }

                message.AlternateServer ??= address;
                return true;
            case StunAttributeType.ChangeRequest:
                if (value.Length != 4)
                {
                    return false;
                }

                message.ChangeRequest ??= (StunChangeRequest)(BinaryPrimitives.ReadUInt32BigEndian(value) & (uint)StunChangeRequest.ChangeIpAndPort);
                return true;
            case StunAttributeType.ResponsePort:
                if (value.Length != 4)
                {
                    return false;
                }

                message.ResponsePort ??= BinaryPrimitives.ReadUInt16BigEndian(value);
                return true;
            case StunAttributeType.ErrorCode:
                return TryReadErrorCode(ref message, value);
            case StunAttributeType.UnknownAttributes:
                if ((value.Length & 1) != 0)
                {
                    return false;
                }

                if (message.UnknownAttributesValue.IsEmpty)
                {
                    message.UnknownAttributesValue = value;
                }

                return true;
            case StunAttributeType.Software:
                if (message.Software.IsEmpty)
                {
                    message.Software = value;
                }

                return true;
            case StunAttributeType.Username:
                if (message.Username.IsEmpty)
                {
                    message.Username = value;
                }

                return true;
            case StunAttributeType.MessageIntegrity:
                if (value.Length != 20)
                {
                    return false;
                }

                message.MessageIntegrityOffset = offset;
                afterIntegrity = true;
                return true;
            case StunAttributeType.MessageIntegritySha256:
                if (value.Length is < 16 or > 32 || (value.Length & 3) != 0)
                {
                    return false;
                }

                afterIntegrity = true;
                return true;
            case StunAttributeType.Realm:
            case StunAttributeType.Nonce:
            case StunAttributeType.PasswordAlgorithm:
            case StunAttributeType.UserHash:
            case StunAttributeType.Padding:
                // Understood well enough to ignore: this server does no authentication.
                return true;
            default:
                if (type < 0x8000)
                {
                    message.UnknownComprehensionRequired.Add(type);
                }

                return true;
        }
    }

    //  0                   1                   2                   3
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // |0 0 0 0 0 0 0 0|    Family     |         (X-)Port              |
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // |             (X-)Address (32 bits or 128 bits)                 |
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // X- fields are XORed with the magic cookie (port: its top 16 bits) and, for IPv6, cookie ‖ transaction id.
    internal static bool TryReadAddress(ReadOnlySpan<byte> value, ReadOnlySpan<byte> header, bool xor, out StunAddress address)
    {
        address = default;
        if (value.Length < 4)
        {
            return false;
        }

        var family = value[1];
        var port = BinaryPrimitives.ReadUInt16BigEndian(value[2..]);
        if (xor)
        {
            port ^= (ushort)(StunConstants.MagicCookie >> 16);
        }

        if (family == StunConstants.FamilyIPv4 && value.Length == 8)
        {
            var ip = BinaryPrimitives.ReadUInt32BigEndian(value[4..]);
            if (xor)
            {
                ip ^= StunConstants.MagicCookie;
            }

            address = StunAddress.FromIPv4(ip, port);
            return true;
        }

        if (family == StunConstants.FamilyIPv6 && value.Length == 20)
        {
            Span<byte> ip = stackalloc byte[16];
            value.Slice(4, 16).CopyTo(ip);
            if (xor)
            {
                var mask = header.Slice(StunConstants.CookieOffset, 16);
                for (var i = 0; i < 16; i++)
                {
                    ip[i] ^= mask[i];
                }
            }

            address = StunAddress.FromIPv6(ip, port);
            return true;
        }

        return false;
    }

    //  0                   1                   2                   3
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // |           Reserved, should be 0         |Class|     Number    |
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // |      Reason Phrase (variable)                                ..
    private static bool TryReadErrorCode(ref StunMessage message, ReadOnlySpan<byte> value)
    {
        if (value.Length < 4)
        {
            return false;
        }

        var errorClass = value[2] & 0x07;
        var number = value[3];
        if (errorClass is < 3 or > 6 || number > 99)
        {
            return false;
        }

        if (message.ErrorCode == 0)
        {
            message.ErrorCode = (errorClass * 100) + number;
            message.ErrorReason = value[4..];
        }

        return true;
    }
}
