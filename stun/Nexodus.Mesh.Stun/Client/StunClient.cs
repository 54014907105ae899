using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nexodus.Mesh.Stun.Codec;

namespace Nexodus.Mesh.Stun.Client;

/// <summary>
/// STUN binding client over an <see cref="IStunTransport"/> it does not own. Outstanding transactions are
/// matched by transaction id when the socket owner hands datagrams to <see cref="TryHandle"/>. All timing goes
/// through the <see cref="TimeProvider"/>. Thread-safe: many transactions may run at once.
/// </summary>
public sealed partial class StunClient
{
    private const int RequestBufferLength = 64;

    private readonly IStunTransport _transport;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<StunTransactionId, PendingTransaction> _pending = new();

    public StunClient(IStunTransport transport, TimeProvider? timeProvider = null, ILogger<StunClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(transport);
        _transport = transport;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger<StunClient>.Instance;
    }

    /// <summary>Number of transactions waiting for an answer.</summary>
    public int PendingCount => _pending.Count;

    /// <summary>
    /// Sends a binding request to <paramref name="server"/> (optionally with CHANGE-REQUEST) and waits for the
    /// answer under the retransmission schedule. A timeout is a result, not an exception; cancelling
    /// <paramref name="cancellationToken"/> throws.
    /// </summary>
    public Task<StunBindingResult> BindAsync(
        IPEndPoint server,
        StunChangeRequest change = StunChangeRequest.None,
        StunRetransmissionOptions? retransmission = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(server);
        var id = StunTransactionId.NewRandom();
        var request = new byte[RequestBufferLength];
        var writer = new StunMessageWriter(request, StunMessageType.BindingRequest, id);
        if (change != StunChangeRequest.None)
        {
            writer.AddChangeRequest(change);
        }

        writer.AddFingerprint();
        writer.TryComplete(out var length);
        return RunAsync(id, request.AsMemory(0, length), server, PendingKind.Binding, retransmission ?? StunRetransmissionOptions.Default, cancellationToken);
    }

    /// <summary>
    /// Hairpinning test (RFC 5780 §4.5): sends a binding request to this socket's own reflexive address and
    /// reports whether it comes back to this socket through the NAT.
    /// </summary>
    public async Task<bool> ProbeHairpinAsync(IPEndPoint mappedAddress, StunRetransmissionOptions? retransmission = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mappedAddress);
        var id = StunTransactionId.NewRandom();
        var request = new byte[RequestBufferLength];
        var writer = new StunMessageWriter(request, StunMessageType.BindingRequest, id);
        writer.AddFingerprint();
        writer.TryComplete(out var length);
        var result = await RunAsync(id, request.AsMemory(0, length), mappedAddress, PendingKind.Hairpin, retransmission ?? StunRetransmissionOptions.Probe, cancellationToken);
        return result.Status == StunBindingStatus.Success;
    }

    /// <summary>
    /// Offers a received datagram. Returns true if it was the answer to one of this client's outstanding
    /// transactions (or its own hairpin probe) and has been consumed; false means it belongs to someone else.
    /// </summary>
    public bool TryHandle(ReadOnlySpan<byte> datagram, EndPoint from)
    {
        if (_pending.IsEmpty || datagram.Length < StunConstants.HeaderLength || (datagram[0] & 0xC0) != 0)
        {
            return false;
        }

        if (!StunMessageReader.TryRead(datagram, out var message)
            || !_pending.TryGetValue(message.TransactionId, out var pending))
        {
            return false;
        }

        var source = from as IPEndPoint;
        switch (pending.Kind)
        {
            case PendingKind.Binding when message.Class is StunMessageClass.SuccessResponse or StunMessageClass.ErrorResponse:
                var result = new StunBindingResult
                {
                    Status = message.Class == StunMessageClass.SuccessResponse ? StunBindingStatus.Success : StunBindingStatus.ErrorResponse,
                    Server = pending.Destination,
                    Transmissions = pending.Transmissions,
                    ResponseSource = source is null ? null : Normalize(source),
                    MappedAddress = (message.XorMappedAddress ?? message.MappedAddress)?.ToEndPoint(),
                    OtherAddress = (message.OtherAddress ?? message.ChangedAddress)?.ToEndPoint(),
                    ResponseOrigin = (message.ResponseOrigin ?? message.SourceAddress)?.ToEndPoint(),
                    ErrorCode = message.ErrorCode,
                    ErrorReason = message.ErrorCode == 0 ? null : Encoding.UTF8.GetString(message.ErrorReason),
                    Software = message.Software.IsEmpty ? null : Encoding.UTF8.GetString(message.Software),
                    Elapsed = _time.GetElapsedTime(pending.Started),
                };
                pending.Completion.TrySetResult(result);
                return true;
            case PendingKind.Hairpin when message.Class == StunMessageClass.Request:
                pending.Completion.TrySetResult(new StunBindingResult
                {
                    Status = StunBindingStatus.Success,
                    Server = pending.Destination,
                    Transmissions = pending.Transmissions,
                    ResponseSource = source is null ? null : Normalize(source),
                    Elapsed = _time.GetElapsedTime(pending.Started),
                });
                return true;
            default:
                return false;
        }
    }

    private async Task<StunBindingResult> RunAsync(
        StunTransactionId id,
        ReadOnlyMemory<byte> request,
        IPEndPoint destination,
        PendingKind kind,
        StunRetransmissionOptions options,
        CancellationToken cancellationToken)
    {
        options.Validate();
        var pending = new PendingTransaction(kind, destination, _time.GetTimestamp());
        _pending[id] = pending;
        try
        {
            var rto = options.InitialRto;
            for (var i = 0; i < options.RequestCount; i++)
            {
                var remaining = options.TotalTimeout is { } total ? total - _time.GetElapsedTime(pending.Started) : TimeSpan.MaxValue;
                if (remaining <= TimeSpan.Zero)
                {
                    break;
                }

                pending.Transmissions++;
                try
                {
                    await _transport.SendAsync(request, destination, cancellationToken);
                }
                catch (SocketException e)
                {
                    // Unreachable networks look like loss to the caller; the schedule continues.
                    Log.SendFailed(_logger, destination, e.SocketErrorCode);
                }

                var wait = i == options.RequestCount - 1 ? options.InitialRto * options.LastWaitMultiplier : rto;
                var capped = wait >= remaining;
                wait = capped ? remaining : wait;

                if (await WaitAsync(pending.Completion.Task, wait, cancellationToken))
                {
                    return await pending.Completion.Task;
                }

                if (capped)
                {
                    // The wait ran to the total timeout. Timers may fire a hair early, and re-checking the remaining
                    // time would then send a burst of retransmissions in the last fraction of a millisecond.
                    break;
                }

                rto *= 2;
            }

            Log.TimedOut(_logger, destination, pending.Transmissions);
            return new StunBindingResult
            {
                Status = StunBindingStatus.Timeout,
                Server = destination,
                Transmissions = pending.Transmissions,
                Elapsed = _time.GetElapsedTime(pending.Started),
            };
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    private async Task<bool> WaitAsync(Task task, TimeSpan wait, CancellationToken cancellationToken)
    {
        if (task.IsCompleted)
        {
            return true;
        }

        using var delayCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var delay = Task.Delay(wait, _time, delayCancellation.Token);
        var first = await Task.WhenAny(task, delay);
        await delayCancellation.CancelAsync();
        if (first == task)
        {
            return true;
        }

        cancellationToken.ThrowIfCancellationRequested();
        return task.IsCompleted;
    }

    /// <summary>Dual-stack sockets report IPv4 peers as ::ffff:a.b.c.d; callers compare against plain IPv4.</summary>
    internal static IPEndPoint Normalize(IPEndPoint endPoint) =>
        endPoint.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(endPoint.Address.MapToIPv4(), endPoint.Port) : endPoint;

    private enum PendingKind
    {
        Binding,
        Hairpin,
    }

    private sealed class PendingTransaction(PendingKind kind, IPEndPoint destination, long started)
    {
        public PendingKind Kind { get; } = kind;

        public IPEndPoint Destination { get; } = destination;

        public long Started { get; } = started;

        public int Transmissions { get; set; }

        public TaskCompletionSource<StunBindingResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "STUN send to {Destination} failed: {Error}")]
        public static partial void SendFailed(ILogger logger, IPEndPoint destination, SocketError error);

        [LoggerMessage(2, LogLevel.Debug, "STUN transaction to {Destination} timed out after {Transmissions} transmissions")]
        public static partial void TimedOut(ILogger logger, IPEndPoint destination, int transmissions);
    }
}
