namespace Nexodus.Mesh.Node.Disco;

/// <summary>First byte of a disco plaintext.</summary>
internal enum DiscoMessageType : byte
{
    Ping = 0x01,
    Pong = 0x02,
    CallMeMaybe = 0x03,
}
