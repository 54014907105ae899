using System.Runtime.InteropServices;

namespace Nexodus.Mesh.Node.WireGuard;

/// <summary>recvmmsg/sendmmsg (Linux x64/arm64 layouts): one syscall per batch of datagrams.</summary>
internal sealed partial class UdpBind
{
    private const int MSG_DONTWAIT = 0x40;
    private const int EAGAIN = 11;
    private const int EINTR = 4;
    private const short POLLIN = 0x1;
    private const int SockaddrStorage = 28; // sockaddr_in6, the larger of the two

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVec
    {
        public nint Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MsgHdr
    {
        public nint Name;
        public uint NameLength;
        public nint Iov;
        public nuint IovLength;
        public nint Control;
        public nuint ControlLength;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MMsgHdr
    {
        public MsgHdr Header;
        public uint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", EntryPoint = "recvmmsg", SetLastError = true)]
    private static unsafe partial int RecvMMsg(int fd, MMsgHdr* msgs, uint count, int flags, void* timeout);

    [LibraryImport("libc", EntryPoint = "sendmmsg", SetLastError = true)]
    private static unsafe partial int SendMMsg(int fd, MMsgHdr* msgs, uint count, int flags);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static unsafe partial int Poll(PollFd* fds, nuint count, int timeoutMs);
}
