namespace Nexodus.Mesh.Stun.Codec;

/// <summary>Why <see cref="StunMessageReader.TryRead(ReadOnlySpan{byte}, out StunMessage, out StunParseError)"/> refused a datagram.</summary>
public enum StunParseError
{
    None = 0,
    /// <summary>Shorter than the 20-byte header.</summary>
    TooShort,
    /// <summary>Not a STUN message: top two bits set, or a length that is not a multiple of 4.</summary>
    NotStun,
    /// <summary>The header length disagrees with the datagram length.</summary>
    LengthMismatch,
    /// <summary>An attribute runs past the end, or an attribute value has an impossible shape.</summary>
    MalformedAttribute,
    /// <summary>An attribute follows FINGERPRINT (which must be last).</summary>
    AttributeAfterFingerprint,
    /// <summary>FINGERPRINT is present but does not match the message.</summary>
    BadFingerprint,
}
