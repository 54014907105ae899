namespace Nexodus.Mesh.Node.LocalApi;

/// <summary>
/// Who may read the local API: root and the uid nexd runs as (the socket file's owner). The file mode (0660) is the
/// first gate; this check is the second, so a socket made group- or world-connectable by mistake still reveals
/// nothing to other users.
/// </summary>
internal static class CallerPolicy
{
    public static bool IsAllowed(uint callerUid, uint ownerUid) => callerUid == 0 || callerUid == ownerUid;
}
