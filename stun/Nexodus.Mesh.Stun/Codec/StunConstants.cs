namespace Nexodus.Mesh.Stun.Codec;

/// <summary>Protocol constants of RFC 8489 (STUN), RFC 5780 (NAT behaviour discovery) and RFC 3489 (classic STUN).</summary>
public static class StunConstants
{
    /// <summary>The fixed value in bytes 4..8 of every RFC 5389/8489 message; RFC 3489 messages carry random bytes there.</summary>
    public const uint MagicCookie = 0x2112A442;

    /// <summary>Type (2) + length (2) + magic cookie (4) + transaction id (12).</summary>
    public const int HeaderLength = 20;

    /// <summary>Attribute header: type (2) + length (2).</summary>
    public const int AttributeHeaderLength = 4;

    /// <summary>The CRC-32 of the message is XORed with this ("STUN") so FINGERPRINT differs from other CRC-protected protocols.</summary>
    public const uint FingerprintXor = 0x5354554E;

    /// <summary>Largest message the codec produces or accepts: one unfragmented datagram on a common path MTU.</summary>
    public const int MaxMessageLength = 1500;

    /// <summary>Default port for STUN over UDP.</summary>
    public const int DefaultPort = 3478;

    /// <summary>Offsets of the fixed header fields.</summary>
    internal const int TypeOffset = 0;
    internal const int LengthOffset = 2;
    internal const int CookieOffset = 4;
    internal const int TransactionIdOffset = 8;

    /// <summary>Address attribute families (RFC 8489 §14.1).</summary>
    internal const byte FamilyIPv4 = 0x01;
    internal const byte FamilyIPv6 = 0x02;

    /// <summary>Error codes used by this implementation (RFC 8489 §14.8).</summary>
    public const int ErrorBadRequest = 400;
    public const int ErrorUnknownAttribute = 420;
}
