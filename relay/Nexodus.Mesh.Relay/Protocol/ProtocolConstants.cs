namespace Nexodus.Mesh.Relay.Protocol;

/// <summary>Wire constants of the relay protocol (see relay/README.md for the byte diagrams).</summary>
public static class ProtocolConstants
{
    /// <summary>Protocol version carried in server-key, client-info and server-info.</summary>
    public const byte Version = 1;

    /// <summary>type(1) | length(4, big-endian).</summary>
    public const int HeaderSize = 5;

    /// <summary>Largest payload a peer may send; a larger length field closes the connection.</summary>
    public const int MaxPayloadSize = 64 * 1024;

    /// <summary>Largest packet inside send/recv/forward frames (payload minus keys and kind).</summary>
    public const int MaxPacketSize = MaxPayloadSize - (2 * KeySize) - 1;

    public const int KeySize = 32;
    public const int ChallengeSize = 32;
    public const int MaxTokenSize = 8 * 1024;
    public const int MaxHealthSize = 1024;
    public const int MaxRegionSize = 64;
    public const int MaxVpcsPerKey = 64;

    /// <summary>HTTP path of the relay endpoint and the Upgrade token / WebSocket sub-protocol.</summary>
    public const string Path = "/relay";
    public const string ProbePath = "/relay/probe";
    public const string UpgradeToken = "nexodus-relay";

    /// <summary>Eight bytes at the start of the server-key frame, so a client knows it reached a relay.</summary>
    public static ReadOnlySpan<byte> Magic => "NXRELAY\n"u8;

    /// <summary>Box "info" (HKDF context) for the client-info seal; binds the box to this use.</summary>
    public static ReadOnlySpan<byte> ClientInfoContext => "nexodus-relay client-info v1"u8;

    /// <summary>HMAC context for the mesh-hello proof.</summary>
    public static ReadOnlySpan<byte> MeshHelloContext => "nexodus-relay mesh-hello v1"u8;
}
