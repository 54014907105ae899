namespace Nexodus.Mesh.Stun.Codec;

/// <summary>
/// Attribute types this codec knows. Types below 0x8000 are comprehension-required: a server that does not
/// understand one in a request must answer 420 (Unknown Attribute).
/// </summary>
public enum StunAttributeType : ushort
{
    MappedAddress = 0x0001,
    ChangeRequest = 0x0003,          // RFC 5780 (and RFC 3489)
    SourceAddress = 0x0004,          // RFC 3489
    ChangedAddress = 0x0005,         // RFC 3489
    Username = 0x0006,
    MessageIntegrity = 0x0008,
    ErrorCode = 0x0009,
    UnknownAttributes = 0x000A,
    Realm = 0x0014,
    Nonce = 0x0015,
    MessageIntegritySha256 = 0x001C,
    PasswordAlgorithm = 0x001D,
    UserHash = 0x001E,
    XorMappedAddress = 0x0020,
    Padding = 0x0026,                // RFC 5780
    ResponsePort = 0x0027,           // RFC 5780
    Software = 0x8022,
    AlternateServer = 0x8023,
    Fingerprint = 0x8028,
    ResponseOrigin = 0x802B,         // RFC 5780
    OtherAddress = 0x802C,           // RFC 5780
}
