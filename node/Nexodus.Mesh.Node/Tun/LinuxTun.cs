using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using Nexodus.Mesh.Core.Net;

namespace Nexodus.Mesh.Node.Tun;

/// <summary>
/// A Linux TUN interface: /dev/net/tun with TUNSETIFF (IFF_TUN | IFF_NO_PI), so reads and writes are bare IP
/// packets. Addresses, MTU, link state and routes are set by invoking iproute2's `ip`: it is always present
/// where TUN is, its errors are readable, and these are one-off calls at start-up (netlink would add a lot of
/// code for no runtime gain). The interface is not persistent: closing the fd removes it.
/// </summary>
internal sealed class LinuxTun : ITunDevice
{
    private const int PollTimeoutMs = 250;
    private readonly Lock _closeSync = new();
    private int _fd;
    private volatile bool _closed;

    private LinuxTun(int fd, string name, int mtu)
    {
        _fd = fd;
        Name = name;
        Mtu = mtu;
    }

    public string Name { get; }

    public int Mtu { get; }

    public int BatchSize => 32;

    /// <summary>Creates the interface, sets its MTU and brings it up.</summary>
    public static unsafe LinuxTun Create(string name, int mtu)
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
        *(short*)(ifreq + 16) = (short)(LibC.IFF_TUN | LibC.IFF_NO_PI);
        if (LibC.Ioctl(fd, LibC.TUNSETIFF, ifreq) < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            LibC.Close(fd);
            throw new IOException($"TUNSETIFF {name} failed: errno {errno}");
        }

        var tun = new LinuxTun(fd, name, mtu);
        try
        {
            Ip("link", "set", "dev", name, "mtu", mtu.ToString(System.Globalization.CultureInfo.InvariantCulture), "up");
        }
        catch
        {
            tun.CloseFd();
            throw;
        }

        return tun;
    }

    public void AddAddress(IPNetwork address) => Ip(address.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "-6" : "-4", "address", "add", address.ToString(), "dev", Name);

    /// <summary>Adds an address with its own host bits (10.0.0.1/24), which IPNetwork would canonicalise away.</summary>
    public void AddAddress(string addressWithPrefix) => Ip("address", "add", addressWithPrefix, "dev", Name);

    public void AddRoute(IPNetwork prefix) => Ip("route", "replace", prefix.ToString(), "dev", Name);

    public unsafe int Read(PacketBatch batch, int headroom)
    {
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

    public unsafe bool Write(ReadOnlySpan<byte> packet)
    {
        if (_closed)
        {
            return false;
        }

        fixed (byte* p = packet)
        {
            while (true)
            {
                var w = LibC.Write(_fd, p, (nuint)packet.Length);
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
