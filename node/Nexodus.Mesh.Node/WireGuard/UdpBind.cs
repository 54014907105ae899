using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Nexodus.Mesh.Core.Net;

namespace Nexodus.Mesh.Node.WireGuard;

/// <summary>
/// The real <see cref="IBind"/>: one UDP socket per address family on the same port (the v6 socket is v6-only),
/// each read by its own thread with recvmmsg and written with sendmmsg, a batch per syscall. Endpoints of
/// consecutive datagrams from the same address are reused, so a steady flow allocates nothing per packet.
/// </summary>
internal sealed partial class UdpBind : IBind
{
    private const int PollTimeoutMs = 250;
    private const int MaxBatch = 64;
    private readonly Lock _sync = new();
    private readonly Receiver[] _receivers = [new(), new()];
    private volatile Socket? _v4;
    private volatile Socket? _v6;

    /// <summary>Per receive thread: the last source seen, to reuse its endpoint object.</summary>
    private sealed class Receiver
    {
        public readonly byte[] LastRaw = new byte[SockaddrStorage];
        public int LastRawLength;
        public UdpEndpoint? Last;
    }

    public int BatchSize => MaxBatch;

    public int ReceiverCount => 2;

    public ushort Port { get; private set; }

    public ushort Open(ushort port)
    {
        lock (_sync)
        {
            CloseLocked();
            var v4 = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            v4.ReceiveBufferSize = 7 << 20;
            v4.SendBufferSize = 7 << 20;
            v4.Bind(new IPEndPoint(IPAddress.Any, port));
            var bound = (ushort)((IPEndPoint)v4.LocalEndPoint!).Port;
            Socket? v6 = null;
            try
            {
                v6 = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp) { DualMode = false };
                v6.ReceiveBufferSize = 7 << 20;
                v6.SendBufferSize = 7 << 20;
                v6.Bind(new IPEndPoint(IPAddress.IPv6Any, bound));
            }
            catch (SocketException)
            {
                // No IPv6 here (or the port is taken for v6): run v4 only.
                v6?.Dispose();
                v6 = null;
            }

            _v4 = v4;
            _v6 = v6;
            Port = bound;
            return bound;
        }
    }

    public void Close()
    {
        lock (_sync)
        {
            CloseLocked();
        }
    }

    private void CloseLocked()
    {
        // Unpublish first: receive loops notice within one poll timeout and release their handle reference,
        // which Socket.Dispose waits for.
        var v4 = _v4;
        var v6 = _v6;
        _v4 = null;
        _v6 = null;
        Port = 0;
        v4?.Dispose();
        v6?.Dispose();
    }

    public unsafe int Receive(int receiver, PacketBatch batch, int headroom)
    {
        var socket = receiver == 0 ? _v4 : _v6;
        if (socket is null)
        {
            return 0;
        }

        var handle = socket.SafeHandle;
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added); // keeps the fd number ours until we return, even if Close runs
            var fd = (int)handle.DangerousGetHandle();
            var n = Math.Min(batch.Capacity, MaxBatch);
            var msgs = stackalloc MMsgHdr[n];
            var iovs = stackalloc IoVec[n];
            var names = stackalloc byte[n * SockaddrStorage];
            while (ReferenceEquals(socket, receiver == 0 ? _v4 : _v6))
            {
                var pfd = new PollFd { Fd = fd, Events = POLLIN };
                if (Poll(&pfd, 1, PollTimeoutMs) <= 0)
                {
                    continue;
                }

                for (var i = 0; i < n; i++)
                {
                    var buffer = batch.Buffers[i];
                    iovs[i].Base = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer)) + headroom;
                    iovs[i].Length = (nuint)(buffer.Length - headroom);
                    msgs[i] = default;
                    msgs[i].Header.Name = (nint)(names + (i * SockaddrStorage));
                    msgs[i].Header.NameLength = SockaddrStorage;
                    msgs[i].Header.Iov = (nint)(iovs + i);
                    msgs[i].Header.IovLength = 1;
                }

                var got = RecvMMsg(fd, msgs, (uint)n, MSG_DONTWAIT, null);
                if (got < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno is EAGAIN or EINTR)
                    {
                        continue;
                    }

                    return 0;
                }

                var state = _receivers[receiver];
                for (var i = 0; i < got; i++)
                {
                    batch.Offsets[i] = headroom;
                    batch.Lengths[i] = (int)msgs[i].Length;
                    batch.Endpoints[i] = EndpointOf(state, new ReadOnlySpan<byte>(names + (i * SockaddrStorage), (int)msgs[i].Header.NameLength), socket.AddressFamily);
                }

                batch.Count = got;
                return got;
            }

            return 0;
        }
        catch (ObjectDisposedException)
        {
            return 0;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    private static UdpEndpoint EndpointOf(Receiver state, ReadOnlySpan<byte> raw, AddressFamily family)
    {
        if (state.Last is not null && raw.SequenceEqual(state.LastRaw.AsSpan(0, state.LastRawLength)))
        {
            return state.Last;
        }

        var sa = new SocketAddress(family, raw.Length);
        raw.CopyTo(sa.Buffer.Span);
        var template = family == AddressFamily.InterNetwork ? new IPEndPoint(IPAddress.Any, 0) : new IPEndPoint(IPAddress.IPv6Any, 0);
        var endpoint = new UdpEndpoint((IPEndPoint)template.Create(sa));
        raw.CopyTo(state.LastRaw);
        state.LastRawLength = raw.Length;
        state.Last = endpoint;
        return endpoint;
    }

    public unsafe bool Send(Endpoint to, PacketBatch batch)
    {
        if (to is not UdpEndpoint u)
        {
            return false;
        }

        var socket = u.Family == AddressFamily.InterNetwork ? _v4 : _v6;
        if (socket is null)
        {
            return false;
        }

        var handle = socket.SafeHandle;
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            var fd = (int)handle.DangerousGetHandle();
            var name = u.SocketAddress.Buffer.Span[..u.SocketAddress.Size];
            var n = Math.Min(batch.Count, MaxBatch);
            var msgs = stackalloc MMsgHdr[n];
            var iovs = stackalloc IoVec[n];
            var sent = 0;
            fixed (byte* namePtr = name)
            {
                while (sent < batch.Count)
                {
                    var count = Math.Min(batch.Count - sent, n);
                    for (var i = 0; i < count; i++)
                    {
                        var j = sent + i;
                        iovs[i].Base = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(batch.Buffers[j])) + batch.Offsets[j];
                        iovs[i].Length = (nuint)batch.Lengths[j];
                        msgs[i] = default;
                        msgs[i].Header.Name = (nint)namePtr;
                        msgs[i].Header.NameLength = (uint)name.Length;
                        msgs[i].Header.Iov = (nint)(iovs + i);
                        msgs[i].Header.IovLength = 1;
                    }

                    var r = SendMMsg(fd, msgs, (uint)count, 0);
                    if (r < 0)
                    {
                        if (Marshal.GetLastPInvokeError() == EINTR)
                        {
                            continue;
                        }

                        return false; // unreachable, buffer errors: the datagrams are lost, as on any UDP path
                    }

                    sent += r;
                }
            }

            return true;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    public bool Send(Endpoint to, ReadOnlySpan<byte> datagram)
    {
        if (to is not UdpEndpoint u)
        {
            return false; // pseudo-endpoints (relay) are routed by a composing bind, not by the socket
        }

        var socket = u.Family == AddressFamily.InterNetwork ? _v4 : _v6;
        if (socket is null)
        {
            return false;
        }

        try
        {
            socket.SendTo(datagram, SocketFlags.None, u.SocketAddress);
            return true;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }

    public ValueTask DisposeAsync()
    {
        Close();
        return ValueTask.CompletedTask;
    }
}
