using System.Buffers.Binary;

namespace Nexodus.Mesh.Stun.Codec;

/// <summary>
/// A parsed STUN message: a view over the datagram plus the decoded attributes this implementation uses.
/// Produced by <see cref="StunMessageReader"/>; never allocates. Only the first occurrence of an attribute
/// counts (RFC 8489 §14), and attributes after MESSAGE-INTEGRITY other than FINGERPRINT are ignored (§14.5).
/// </summary>
public ref struct StunMessage
{
    internal StunMessage(ReadOnlySpan<byte> raw)
    {
        Raw = raw;
        Type = BinaryPrimitives.ReadUInt16BigEndian(raw);
        TransactionId = StunTransactionId.Read(raw.Slice(StunConstants.CookieOffset, StunTransactionId.Length));
        MessageIntegrityOffset = -1;
    }

    /// <summary>The whole message (header + attributes).</summary>
    public ReadOnlySpan<byte> Raw { get; }

    public ushort Type { get; }

    public readonly StunMessageClass Class => StunMessageType.GetClass(Type);

    public readonly ushort Method => StunMessageType.GetMethod(Type);

    /// <summary>Cookie field + transaction id.</summary>
    public StunTransactionId TransactionId { get; }

    /// <summary>An RFC 3489 message (no magic cookie).</summary>
    public readonly bool IsClassic => TransactionId.IsClassic;

    public StunAddress? XorMappedAddress { get; internal set; }

    public StunAddress? MappedAddress { get; internal set; }

    public StunAddress? ResponseOrigin { get; internal set; }

    public StunAddress? OtherAddress { get; internal set; }

    public StunAddress? ChangedAddress { get; internal set; }

    public StunAddress? SourceAddress { get; internal set; }

    public StunAddress? AlternateServer { get; internal set; }

    public StunChangeRequest? ChangeRequest { get; internal set; }

    /// <summary>RESPONSE-PORT (RFC 5780 §7.5): send the answer to the source IP at this port.</summary>
    public ushort? ResponsePort { get; internal set; }

    /// <summary>The ERROR-CODE number (300..699), or 0 when absent.</summary>
    public int ErrorCode { get; internal set; }

    /// <summary>UTF-8 reason phrase of ERROR-CODE.</summary>
    public ReadOnlySpan<byte> ErrorReason { get; internal set; }

    /// <summary>UTF-8 value of SOFTWARE (RFC 3489: SERVER).</summary>
    public ReadOnlySpan<byte> Software { get; internal set; }

    /// <summary>Value of USERNAME (parsed so authenticated requests are understood, never checked).</summary>
    public ReadOnlySpan<byte> Username { get; internal set; }

    /// <summary>Raw value of UNKNOWN-ATTRIBUTES (16-bit types); see <see cref="GetUnknownAttribute"/>.</summary>
    public ReadOnlySpan<byte> UnknownAttributesValue { get; internal set; }

    /// <summary>Offset of the MESSAGE-INTEGRITY attribute header within <see cref="Raw"/>, or -1.</summary>
    public int MessageIntegrityOffset { get; internal set; }

    public readonly bool HasMessageIntegrity => MessageIntegrityOffset >= 0;

    /// <summary>FINGERPRINT was present and matched (a mismatch makes the parse fail).</summary>
    public bool HasFingerprint { get; internal set; }

    /// <summary>Comprehension-required attributes (type &lt; 0x8000) this codec does not understand.</summary>
    public StunAttributeTypeList UnknownComprehensionRequired;

    public readonly int UnknownAttributeCount => UnknownAttributesValue.Length / 2;

    public readonly ushort GetUnknownAttribute(int index) =>
        BinaryPrimitives.ReadUInt16BigEndian(UnknownAttributesValue.Slice(index * 2, 2));
}
