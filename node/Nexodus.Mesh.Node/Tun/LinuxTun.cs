using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using Nexodus.Mesh.Core.Net;

namespace Nexodus.Mesh.Node.Tun;

/// <summary>
/// A Linux TUN interface: /dev/net/tun with TUNSETIFF (IFF_TUN | IFF_NO_PI). By default it also asks for
/// IFF_VNET_HDR and TUNSETOFFLOAD (checksum, TSO4/6): the kernel then hands over up to 64 KB TCP super-packets,
/// which <see cref="TsoSegmenter"/> cuts into MTU-sized packets here, so the host's TCP stack does one pass per
/// 64 KB instead of one per 1.4 KB. The engine still sees ordinary IP packets on both sides of the seam. When the
/// kernel refuses the offloads (or NEXD_TUN_OFFLOAD=off), the device runs without them. Addresses, MTU, link state and routes are set by invoking iproute2's `ip`: it is always present
/// where TUN is, its errors are readable, and these are one-off calls at start-up (netlink would add a lot of
/// code for no runtime gain). The interface is not persistent: closing the fd removes it.
/// </summary>
internal sealed class LinuxTun : ITunDevice, ITunWriteBatching
{
    [ThreadStatic]
    private static TcpCoalescer? _threadCoalescer;

    [ThreadStatic]
    private static LinuxTun? _threadBatchOwner;

    private const int PollTimeoutMs = 250;
    private readonly Lock _closeSync = new();
    private readonly byte[] _superPacket;
    private int _fd;
    private volatile bool _closed;
    private TsoPlan _pending;
    private int _pendingNext;
    private int _pendingLength;
    private long _malformed;
    private long _rejectedWrites;

    private LinuxTun(int fd, string name, int mtu, bool offload)
    {
        _fd = fd;
        Name = name;
        Mtu = mtu;
        Offload = offload;
        _superPacket = offload ? GC.AllocateUninitializedArray<byte>(65535 + VirtioNetHdr.Size, pinned: true) : [];
        _writeFrame = WriteFrame;
    }

    private readonly TcpCoalescer.FrameWriter _writeFrame;

    public string Name { get; }

    public int Mtu { get; }

    public int BatchSize => 64;

    /// <summary>True when the kernel accepted IFF_VNET_HDR with checksum and TSO offloads.</summary>
    public bool Offload { get; }

    /// <summary>Packets from the kernel dropped because their virtio header or headers did not make sense.</summary>
    public long MalformedOffloadPackets => Interlocked.Read(ref _malformed);

    /// <summary>Merged frames the kernel refused (errno other than EAGAIN/EINTR).</summary>
    public long RejectedWrites => Interlocked.Read(ref _rejectedWrites);

    /// <summary>
    /// Creates the interface, sets its MTU and brings it up. <paramref name="offload"/> null = on unless the
    /// environment variable NEXD_TUN_OFFLOAD is "off"; a kernel that refuses the offloads gives a plain device.
    /// </summary>
    public static LinuxTun Create(string name, int mtu, bool? offload = null)
    {
        var wantOffload = offload ?? !string.Equals(Environment.GetEnvironmentVariable("NEXD_TUN_OFFLOAD"), "off", StringComparison.OrdinalIgnoreCase);
        if (wantOffload)
        {
            var fd = Open(name, withVnetHdr: true);
            uint flags = LibC.TUN_F_CSUM | LibC.TUN_F_TSO4 | LibC.TUN_F_TSO6 | LibC.TUN_F_TSO_ECN;
            if (SetOffload(fd, flags))
            {
                return Finish(new LinuxTun(fd, name, mtu, offload: true), mtu);
            }

            LibC.Close(fd);
        }

        return Finish(new LinuxTun(Open(name, withVnetHdr: false), name, mtu, offload: false), mtu);
    }

    private static unsafe bool SetOffload(int fd, uint flags) => LibC.Ioctl(fd, LibC.TUNSETOFFLOAD, (void*)flags) == 0;

    private static LinuxTun Finish(LinuxTun tun, int mtu)
    {
        try
        {
            Ip("link", "set", "dev", tun.Name, "mtu", mtu.ToString(System.Globalization.CultureInfo.InvariantCulture), "up");
        }
        catch
        {
            tun.CloseFd();
            throw;
        }

        return tun;
    }

    private static unsafe int Open(string name, bool withVnetHdr)
    {
        if (string.IsNullOrEmpty(name) || Encoding.ASCII.GetByteCount(name) > 15)
        {
            throw new ArgumentException("interface name must be 1 to 15 characters", nameof(name));
        }

        var fd = LibC.Open("/dev/net/tun", LibC.O_RDWR | LibC.O_NONBLOCK | LibC.O_CLOEXEC);
        if (fd < 0)
        {
            throw new IOException($"open /dev/net/tun failed: errno {Marshal.GetLastPInvokeError()} (needs root or CAP_NET_ADMIN)");
        }

        var ifreq = stackalloc byte[40];
        new Span<byte>(ifreq, 40).Clear();
        Encoding.ASCII.GetBytes(name, new Span<byte>(ifreq, 16));
        *(short*)(ifreq + 16) = (short)(LibC.IFF_TUN | LibC.IFF_NO_PI | (withVnetHdr ? LibC.IFF_VNET_HDR : 0));
        if (LibC.Ioctl(fd, LibC.TUNSETIFF, ifreq) < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            LibC.Close(fd);
            throw new IOException($"TUNSETIFF {name} failed: errno {errno}");
        }

        return fd;
    }

    public void AddAddress(IPNetwork address) => Ip(address.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "-6" : "-4", "address", "add", address.ToString(), "dev", Name);

    /// <summary>Adds an address with its own host bits (10.0.0.1/24), which IPNetwork would canonicalise away.</summary>
    public void AddAddress(string addressWithPrefix) => Ip("address", "add", addressWithPrefix, "dev", Name);

    public void AddRoute(IPNetwork prefix) => Ip("route", "replace", prefix.ToString(), "dev", Name);

    public unsafe int Read(PacketBatch batch, int headroom)
    {
        if (Offload)
        {
            return ReadOffload(batch, headroom);
        }

        while (!_closed)
        {
            var pfd = new LibC.PollFd { Fd = _fd, Events = LibC.POLLIN };
            var r = LibC.Poll(&pfd, 1, PollTimeoutMs);
            if (r <= 0)
            {
                continue;
            }

            var n = 0;
            while (n < batch.Capacity)
            {
                var buffer = batch.Buffers[n];
                nint got;
                fixed (byte* p = &buffer[headroom])
                {
                    got = LibC.Read(_fd, p, (nuint)(buffer.Length - headroom - 32));
                }

                if (got <= 0)
                {
                    break;
                }

                batch.Offsets[n] = headroom;
                batch.Lengths[n] = (int)got;
                n++;
            }

            if (n > 0)
            {
                batch.Count = n;
                return n;
            }
        }

        return 0;
    }

    /// <summary>
    /// Reads with a virtio header in front of each packet. A plain packet is read straight into the batch buffer
    /// (its header lands in the headroom); a super-packet is read there too, moved aside and cut into the
    /// following buffers, continuing on the next call when the batch is full.
    /// </summary>
    private unsafe int ReadOffload(PacketBatch batch, int headroom)
    {
        if (headroom < VirtioNetHdr.Size)
        {
            throw new ArgumentOutOfRangeException(nameof(headroom), "offload reads need at least 10 bytes of headroom");
        }

        while (!_closed)
        {
            var n = DrainPending(batch, headroom, 0);
            if (n == batch.Capacity)
            {
                batch.Count = n;
                return n;
            }

            if (n == 0)
            {
                var pfd = new LibC.PollFd { Fd = _fd, Events = LibC.POLLIN };
                if (LibC.Poll(&pfd, 1, PollTimeoutMs) <= 0)
                {
                    continue;
                }
            }

            while (n < batch.Capacity)
            {
                var buffer = batch.Buffers[n];
                var at = headroom - VirtioNetHdr.Size;
                var room = Math.Min(buffer.Length - at - 32, 65535 + VirtioNetHdr.Size);
                nint got;
                fixed (byte* p = &buffer[at])
                {
                    got = LibC.Read(_fd, p, (nuint)room);
                }

                if (got <= 0)
                {
                    break;
                }

                var length = (int)got - VirtioNetHdr.Size;
                if (!VirtioNetHdr.TryRead(buffer.AsSpan(at, (int)got), out var hdr) || length <= 0)
                {
                    Interlocked.Increment(ref _malformed);
                    continue;
                }

                var packet = buffer.AsSpan(headroom, length);
                if (hdr.Gso == VirtioNetHdr.GsoNone)
                {
                    if (hdr.NeedsChecksum && !TsoSegmenter.TryCompleteChecksum(packet, hdr))
                    {
                        Interlocked.Increment(ref _malformed);
                        continue;
                    }

                    batch.Offsets[n] = headroom;
                    batch.Lengths[n] = length;
                    n++;
                    continue;
                }

                // The segments are written over the batch buffers, this one included: set the original aside.
                if (!TsoSegmenter.TryPlan(packet, hdr, buffer.Length - headroom - 32, out _pending))
                {
                    Interlocked.Increment(ref _malformed);
                    continue;
                }

                packet.CopyTo(_superPacket);
                _pendingLength = length;
                _pendingNext = 0;
                n = DrainPending(batch, headroom, n);
            }

            if (n > 0)
            {
                batch.Count = n;
                return n;
            }
        }

        return 0;
    }

    private int DrainPending(PacketBatch batch, int headroom, int n)
    {
        if (_pendingLength == 0)
        {
            return n;
        }

        var source = _superPacket.AsSpan(0, _pendingLength);
        while (n < batch.Capacity && _pendingNext < _pending.SegmentCount)
        {
            var buffer = batch.Buffers[n];
            batch.Offsets[n] = headroom;
            batch.Lengths[n] = TsoSegmenter.WriteSegment(source, _pending, _pendingNext, buffer.AsSpan(headroom));
            _pendingNext++;
            n++;
        }

        if (_pendingNext == _pending.SegmentCount)
        {
            _pendingLength = 0;
        }

        return n;
    }

    public void BeginWriteBatch()
    {
        if (Offload)
        {
            _threadCoalescer ??= new TcpCoalescer(8);
            _threadBatchOwner = this;
        }
    }

    public void EndWriteBatch()
    {
        if (ReferenceEquals(_threadBatchOwner, this))
        {
            _threadBatchOwner = null;
            _threadCoalescer!.Flush(_writeFrame);
        }
    }

    public unsafe bool Write(ReadOnlySpan<byte> packet)
    {
        if (_closed)
        {
            return false;
        }

        if (ReferenceEquals(_threadBatchOwner, this) && _threadCoalescer!.TryAdd(packet, _writeFrame))
        {
            return true;
        }

        // With IFF_VNET_HDR every write starts with a header; all zero = a complete packet, checksums valid.
        var hdr = stackalloc byte[VirtioNetHdr.Size];
        new Span<byte>(hdr, VirtioNetHdr.Size).Clear();
        fixed (byte* p = packet)
        {
            var iov = stackalloc LibC.IoVec[2];
            iov[0] = new LibC.IoVec { Base = hdr, Length = VirtioNetHdr.Size };
            iov[1] = new LibC.IoVec { Base = p, Length = (nuint)packet.Length };
            while (true)
            {
                var w = Offload ? LibC.Writev(_fd, iov, 2) : LibC.Write(_fd, p, (nuint)packet.Length);
                if (w >= 0)
                {
                    return true;
                }

                var errno = Marshal.GetLastPInvokeError();
                if (errno == LibC.EAGAIN)
                {
                    // Kernel queue full: wait briefly for room instead of dropping a burst.
                    var pfd = new LibC.PollFd { Fd = _fd, Events = LibC.POLLOUT };
                    if (LibC.Poll(&pfd, 1, 100) <= 0)
                    {
                        return false;
                    }

                    continue;
                }

                return errno == LibC.EINTR && !_closed && Write(packet);
            }
        }
    }

    /// <summary>Writes a frame that already starts with its virtio header.</summary>
    private unsafe void WriteFrame(ReadOnlySpan<byte> frame)
    {
        fixed (byte* p = frame)
        {
            while (!_closed)
            {
                if (LibC.Write(_fd, p, (nuint)frame.Length) >= 0)
                {
                    return;
                }

                var errno = Marshal.GetLastPInvokeError();
                if (errno == LibC.EAGAIN)
                {
                    var pfd = new LibC.PollFd { Fd = _fd, Events = LibC.POLLOUT };
                    if (LibC.Poll(&pfd, 1, 100) <= 0)
                    {
                        return;
                    }
                }
                else if (errno != LibC.EINTR)
                {
                    Interlocked.Increment(ref _rejectedWrites);
                    return;
                }
            }
        }
    }

    private void CloseFd()
    {
        lock (_closeSync)
        {
            if (_fd >= 0)
            {
                LibC.Close(_fd);
                _fd = -1;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _closed = true;
        await Task.Delay(PollTimeoutMs + 50); // lets a blocked Read see _closed before the fd goes away
        CloseFd();
    }

    internal static void Ip(params string[] args)
    {
        var psi = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi) ?? throw new IOException("cannot run `ip`");
        var err = p.StandardError.ReadToEnd();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new IOException($"`ip {string.Join(' ', args)}` failed: {err.Trim()}");
        }
    }
}
