using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nexodus.Mesh.Stun.Codec;

namespace Nexodus.Mesh.Stun.Server;

/// <summary>
/// A STUN server on one UDP socket, or on the four sockets of RFC 5780 (primary/alternate IP × primary/alternate
/// port). Stateless; one receive loop per socket with its own preallocated buffers and
/// <see cref="SocketAddress"/>, so steady-state operation allocates nothing. Embeddable: construct, <see cref="Start"/>,
/// and <see cref="DisposeAsync"/>; or host it with <see cref="StunServerHostedService"/>.
/// </summary>
public sealed partial class StunServer : IAsyncDisposable
{
    private const int ReceiveBufferLength = 2048;
    private const int BindAttempts = 20;

    private readonly StunServerOptions _options;
    private readonly ILogger _logger;
    private readonly Socket?[] _sockets = new Socket?[4];
    private readonly List<Task> _loops = [];
    private readonly CancellationTokenSource _stopping = new();
    private StunResponder? _responder;
    private int _state; // 0 = new, 1 = started, 2 = disposed

    public StunServer(StunServerOptions options, StunServerMetrics? metrics = null, ILogger<StunServer>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("invalid STUN server options: " + string.Join("; ", errors), nameof(options));
        }

        _options = options;
        Metrics = metrics ?? new StunServerMetrics();
        _logger = logger ?? NullLogger<StunServer>.Instance;
    }

    public StunServerMetrics Metrics { get; }

    /// <summary>The primary socket's bound address (after <see cref="Start"/>).</summary>
    public IPEndPoint LocalEndPoint => GetLocalEndPoint(StunSocketRole.PrimaryIpPrimaryPort)
        ?? throw new InvalidOperationException("the server is not started");

    /// <summary>True when the server has all four sockets and can answer every RFC 5780 test.</summary>
    public bool SupportsBehaviorDiscovery => _sockets[3] is not null;

    /// <summary>The bound address of one of the sockets, or null if the server has no such socket.</summary>
    public IPEndPoint? GetLocalEndPoint(StunSocketRole role) => (IPEndPoint?)_sockets[(int)role]?.LocalEndPoint;

    /// <summary>Binds the sockets and starts answering. Throws <see cref="SocketException"/> if an address is unavailable.</summary>
    public void Start()
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
        {
            throw new InvalidOperationException("the server was already started or disposed");
        }

        BindAll();
        var locals = new StunAddress?[4];
        for (var i = 0; i < 4; i++)
        {
            if (_sockets[i]?.LocalEndPoint is IPEndPoint ep)
            {
                locals[i] = StunAddress.FromEndPoint(ep);
            }
        }

        _responder = new StunResponder(locals, _options.Software);
        for (var i = 0; i < 4; i++)
        {
            if (_sockets[i] is { } socket)
            {
                var role = (StunSocketRole)i;
                Log.Listening(_logger, socket.LocalEndPoint!, role);
                _loops.Add(Task.Run(() => ReceiveLoopAsync(socket, role)));
            }
        }
    }

    /// <summary>
    /// Binds primary first; ephemeral ports (0) are taken from the primary IP and then reused on the alternate
    /// IP, which can collide with another process, so the whole set is retried a few times in that case.
    /// </summary>
    private void BindAll()
    {
        var listen = _options.Listen;
        var ephemeral = listen.Port == 0 || _options.AlternatePort == 0;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var primary = Bind(listen);
                _sockets[0] = primary;
                var port = ((IPEndPoint)primary.LocalEndPoint!).Port;
                int? altPort = null;
                if (_options.AlternatePort is { } configured)
                {
                    _sockets[1] = Bind(new IPEndPoint(listen.Address, configured));
                    altPort = ((IPEndPoint)_sockets[1]!.LocalEndPoint!).Port;
                }

                if (_options.AlternateIp is { } altIp)
                {
                    _sockets[2] = Bind(new IPEndPoint(altIp, port));
                    if (altPort is { } ap)
                    {
                        _sockets[3] = Bind(new IPEndPoint(altIp, ap));
                    }
                }

                return;
            }
            catch (SocketException e) when (ephemeral && attempt < BindAttempts && e.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                CloseSockets();
            }
            catch
            {
                CloseSockets();
                throw;
            }
        }
    }

    private static Socket Bind(IPEndPoint endPoint)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (endPoint.AddressFamily == AddressFamily.InterNetworkV6 && endPoint.Address.Equals(IPAddress.IPv6Any))
            {
                socket.DualMode = true;
            }

            socket.Bind(endPoint);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private async Task ReceiveLoopAsync(Socket socket, StunSocketRole role)
    {
        var receiveBuffer = GC.AllocateUninitializedArray<byte>(ReceiveBufferLength, pinned: true);
        var responseBuffer = GC.AllocateUninitializedArray<byte>(StunResponder.MaxResponseLength, pinned: true);
        var remote = new SocketAddress(socket.AddressFamily);
        var redirect = new SocketAddress(socket.AddressFamily);
        var responder = _responder!;
        var token = _stopping.Token;
        while (!token.IsCancellationRequested)
        {
            int received;
            try
            {
                received = await socket.ReceiveFromAsync(receiveBuffer, SocketFlags.None, remote, token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            catch (SocketException e)
            {
                // ICMP errors surface here on some platforms; they concern an earlier send, not this socket.
                Log.ReceiveFailed(_logger, role, e.SocketErrorCode);
                continue;
            }

            Handle(responder, receiveBuffer.AsSpan(0, received), remote, redirect, role, responseBuffer);
        }
    }

    private void Handle(StunResponder responder, ReadOnlySpan<byte> datagram, SocketAddress remote, SocketAddress redirect, StunSocketRole role, Span<byte> responseBuffer)
    {
        if (!StunAddress.TryFromSocketAddress(remote, out var source))
        {
            Metrics.CountDrop(StunDropReason.BadSource);
            return;
        }

        var response = responder.Respond(datagram, source, role, responseBuffer);
        if (response.Kind == StunResponseKind.Dropped)
        {
            Metrics.Count(response, changedOrigin: false);
            Log.Dropped(_logger, source, response.DropReason);
            return;
        }

        var sender = _sockets[response.SendFrom];
        var destination = remote;
        if (response.ResponsePort != 0)
        {
            // Same sockaddr with another port (bytes 2..4 in sockaddr_in and sockaddr_in6).
            remote.Buffer.Span[..remote.Size].CopyTo(redirect.Buffer.Span);
            redirect.Size = remote.Size;
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(redirect.Buffer.Span[2..], response.ResponsePort);
            destination = redirect;
        }

        try
        {
            sender!.SendTo(responseBuffer[..response.Length], SocketFlags.None, destination);
            Metrics.Count(response, changedOrigin: response.SendFrom != (int)role);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            Metrics.CountDrop(StunDropReason.SendFailed);
            Log.SendFailed(_logger, source, e.Message);
        }
    }

    private void CloseSockets()
    {
        for (var i = 0; i < 4; i++)
        {
            _sockets[i]?.Dispose();
            _sockets[i] = null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _state, 2) == 2)
        {
            return;
        }

        await _stopping.CancelAsync();
        // Closing the sockets after cancelling keeps late sends in other loops from hitting a disposed socket
        // before their own loop has observed the cancellation.
        await Task.WhenAll(_loops);
        CloseSockets();
        _stopping.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "STUN listening on {EndPoint} ({Role})")]
        public static partial void Listening(ILogger logger, EndPoint endPoint, StunSocketRole role);

        [LoggerMessage(2, LogLevel.Trace, "STUN dropped datagram from {Source}: {Reason}")]
        public static partial void Dropped(ILogger logger, StunAddress source, StunDropReason reason);

        [LoggerMessage(3, LogLevel.Debug, "STUN send to {Destination} failed: {Message}")]
        public static partial void SendFailed(ILogger logger, StunAddress destination, string message);

        [LoggerMessage(4, LogLevel.Debug, "STUN receive on {Role} failed: {Error}")]
        public static partial void ReceiveFailed(ILogger logger, StunSocketRole role, SocketError error);
    }
}
