namespace Nexodus.Mesh.Core.Contracts;

public static class NetmapMessageTypes
{
    public const string Full = "full";
    public const string Delta = "delta";
    public const string Heartbeat = "heartbeat";
    public const string Resync = "resync";
    public const string Revoked = "revoked";
}
