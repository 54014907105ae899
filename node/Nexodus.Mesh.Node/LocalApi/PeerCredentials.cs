using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Nexodus.Mesh.Node.LocalApi;

/// <summary>
/// The kernel's record of who connected to a unix socket (SO_PEERCRED): taken at connect() time, so a client
/// cannot forge it and passing the fd to another process does not change it.
/// </summary>
internal readonly partial record struct PeerCredentials(int ProcessId, uint UserId, uint GroupId)
{
    private const int SolSocket = 1;
    private const int SoPeerCred = 17;

    /// <summary>The effective uid of this process: the owner of the socket file it creates.</summary>
    public static uint EffectiveUserId => GetEuid();

    /// <summary>Reads the peer's credentials; false when the socket is not a connected unix socket.</summary>
    public static bool TryRead(Socket socket, out PeerCredentials credentials)
    {
        credentials = default;
        if (!OperatingSystem.IsLinux() || socket.AddressFamily != AddressFamily.Unix)
        {
            return false;
        }

        // struct ucred { pid_t pid; uid_t uid; gid_t gid; } — three native-endian 32-bit fields.
        Span<byte> ucred = stackalloc byte[12];
        try
        {
            if (socket.GetRawSocketOption(SolSocket, SoPeerCred, ucred) != ucred.Length)
            {
                return false;
            }
        }
        catch (SocketException)
        {
            return false;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }

        var fields = MemoryMarshal.Cast<byte, uint>(ucred);
        credentials = new PeerCredentials((int)fields[0], fields[1], fields[2]);
        return true;
    }

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEuid();
}
