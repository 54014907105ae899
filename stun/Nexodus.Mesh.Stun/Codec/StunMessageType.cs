namespace Nexodus.Mesh.Stun.Codec;

/// <summary>
/// Message types (method + class packed into 14 bits, RFC 8489 §5). Only the Binding method exists in this
/// implementation; other methods are recognised as such and answered with 400.
/// </summary>
public static class StunMessageType
{
    public const ushort BindingRequest = 0x0001;
    public const ushort BindingIndication = 0x0011;
    public const ushort BindingSuccessResponse = 0x0101;
    public const ushort BindingErrorResponse = 0x0111;

    /// <summary>The class bits C1 (bit 8) and C0 (bit 4) of the type.</summary>
    private const ushort ClassMask = 0x0110;

    public static StunMessageClass GetClass(ushort type) => (StunMessageClass)(type & ClassMask);

    /// <summary>The 12 method bits, un-interleaved from the class bits.</summary>
    public static ushort GetMethod(ushort type) =>
        (ushort)((type & 0x000F) | ((type & 0x00E0) >> 1) | ((type & 0x3E00) >> 2));

    /// <summary>Packs a method and a class into a message type.</summary>
    public static ushort Compose(ushort method, StunMessageClass messageClass) =>
        (ushort)((method & 0x000F) | ((method & 0x0070) << 1) | ((method & 0x0F80) << 2) | (ushort)messageClass);
}
