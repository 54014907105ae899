namespace Nexodus.Mesh.Node.WireGuard;

/// <summary>First byte of every WireGuard message (followed by three reserved zero bytes).</summary>
internal enum MessageType : byte
{
    Initiation = 1,
    Response = 2,
    CookieReply = 3,
    Transport = 4,
}
