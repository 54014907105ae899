namespace Nexodus.Mesh.Stun.Codec;

/// <summary>The class of a STUN message, as the raw class bits (C1 at bit 8, C0 at bit 4) of the type.</summary>
public enum StunMessageClass : ushort
{
    Request = 0x0000,
    Indication = 0x0010,
    SuccessResponse = 0x0100,
    ErrorResponse = 0x0110,
}
