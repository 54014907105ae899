namespace Nexodus.Mesh.Stun.Codec;

/// <summary>Flags of the CHANGE-REQUEST attribute (RFC 5780 §7.2): answer from the other IP and/or the other port.</summary>
[Flags]
public enum StunChangeRequest : uint
{
    None = 0,
    ChangePort = 0x02,
    ChangeIp = 0x04,
    ChangeIpAndPort = ChangeIp | ChangePort,
}
