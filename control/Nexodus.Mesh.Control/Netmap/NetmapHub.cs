using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Nexodus.Mesh.Control.Admission;
using Nexodus.Mesh.Control.Hosting;
using Nexodus.Mesh.Control.Storage;
using Nexodus.Mesh.Core.Contracts;

namespace Nexodus.Mesh.Control.Netmap;

/// <summary>
/// Keeps every netmap stream of this process current. Change signals (local or from other replicas) are coalesced
/// for <see cref="ControlOptions.CoalesceWindow"/>, then each affected VPC is read once and every stream in it gets
/// the delta of its own view — nothing when its view did not change. Also refreshes relay admission tokens before
/// they expire and remembers recent views per device so a reconnect can resume without a full map.
/// </summary>
internal sealed partial class NetmapHub : BackgroundService
{
    private readonly ConcurrentDictionary<Guid, DeviceStream> _streams = new();
    private readonly ConcurrentDictionary<Guid, ResumeHistory> _history = new();
    private readonly Channel<ChangeSignal> _signals = Channel.CreateUnbounded<ChangeSignal>();
    private readonly IServiceScopeFactory _scopes;
    private readonly RelayTokenIssuer _tokens;
    private readonly ControlOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<NetmapHub> _log;

    public NetmapHub(ChangeBus bus, IServiceScopeFactory scopes, RelayTokenIssuer tokens, IOptions<ControlOptions> options, TimeProvider time, ILogger<NetmapHub> log)
    {
        _scopes = scopes;
        _tokens = tokens;
        _options = options.Value;
        _time = time;
        _log = log;
        bus.Changed += s => _signals.Writer.TryWrite(s);
    }

    public int StreamCount => _streams.Count;

    /// <summary>
    /// Registers a stream and queues its first messages: a full map, or — when <paramref name="resumeFrom"/> names a
    /// view this process still remembers — a delta from it; an unknown revision gets "resync" then the full map.
    /// Returns null when the device no longer exists.
    /// </summary>
    public async Task<DeviceStream?> OpenAsync(Guid deviceId, Guid vpcId, long? resumeFrom, CancellationToken ct)
    {
        var snapshot = await LoadAsync(vpcId, ct);
        var view = snapshot is null ? null : NetmapBuilder.ViewFor(snapshot, deviceId);
        if (snapshot is null || view is null)
        {
            return null;
        }

        var stream = new DeviceStream(deviceId, vpcId, view.Self.NodeKey);
        var (token, exp) = _tokens.Issue(stream.NodeKey, [vpcId]);
        view = view with { RelayAdmission = new RelayAdmission { Token = token, ExpiresAt = exp } };
        var history = _history.GetOrAdd(deviceId, _ => new ResumeHistory(_options.ResumeHistory));
        lock (stream.Gate)
        {
            var known = resumeFrom is { } r ? history.Find(r) : null;
            if (known is not null)
            {
                stream.Revision = resumeFrom!.Value;
                stream.Current = known;
                Send(stream, view, snapshot.Revision, history, forceFull: false);
            }
            else
            {
                if (resumeFrom is not null)
                {
                    stream.Outbox.Writer.TryWrite(new NetmapMessage
                    {
                        Type = NetmapMessageTypes.Resync,
                        Revision = resumeFrom.Value,
                        Reason = "revision unknown to this server or too old; a full map follows",
                    });
                }

                Send(stream, view, snapshot.Revision, history, forceFull: true);
            }
        }

        _streams[stream.Id] = stream;
        // A change committed between our read and the registration above must not be lost.
        _signals.Writer.TryWrite(new ChangeSignal([vpcId], false));
        return stream;
    }

    public void Close(DeviceStream stream)
    {
        _streams.TryRemove(stream.Id, out _);
        stream.Outbox.Writer.TryComplete();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _ = RefreshTokensLoopAsync(stoppingToken);
        try
        {
            while (await _signals.Reader.WaitToReadAsync(stoppingToken))
            {
                if (_options.CoalesceWindow > TimeSpan.Zero)
                {
                    await Task.Delay(_options.CoalesceWindow, _time, stoppingToken);
                }

                var all = false;
                var vpcs = new HashSet<Guid>();
                while (_signals.Reader.TryRead(out var s))
                {
                    all |= s.All;
                    vpcs.UnionWith(s.VpcIds);
                }

                var affected = _streams.Values.Where(st => all || vpcs.Contains(st.VpcId)).GroupBy(st => st.VpcId);
                foreach (var group in affected)
                {
                    try
                    {
                        await UpdateVpcAsync(group.Key, [.. group], stoppingToken);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        Log.UpdateFailed(_log, group.Key, ex);
                        // Try again on the next round rather than leaving streams stale.
                        _signals.Writer.TryWrite(new ChangeSignal([group.Key], false));
                        await Task.Delay(TimeSpan.FromSeconds(1), _time, stoppingToken);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task UpdateVpcAsync(Guid vpcId, List<DeviceStream> streams, CancellationToken ct)
    {
        var snapshot = await LoadAsync(vpcId, ct);
        foreach (var stream in streams)
        {
            var view = snapshot is null ? null : NetmapBuilder.ViewFor(snapshot, stream.DeviceId);
            lock (stream.Gate)
            {
                if (view is null)
                {
                    // Device or VPC deleted: its credential is already gone; tell the node and end the stream.
                    stream.Outbox.Writer.TryWrite(new NetmapMessage { Type = NetmapMessageTypes.Revoked, Revision = stream.Revision + 1, Reason = "device removed" });
                    stream.Outbox.Writer.TryComplete();
                    _streams.TryRemove(stream.Id, out _);
                    _history.TryRemove(stream.DeviceId, out _);
                    continue;
                }

                view = view with { RelayAdmission = stream.Current?.RelayAdmission ?? new RelayAdmission() };
                Send(stream, view, snapshot!.Revision, _history.GetOrAdd(stream.DeviceId, _ => new ResumeHistory(_options.ResumeHistory)), forceFull: false);
            }
        }
    }

    private async Task RefreshTokensLoopAsync(CancellationToken ct)
    {
        // Refresh when a third of the lifetime is left, checking often enough to never miss that window.
        var lifetime = _options.RelayTokenLifetime;
        using var timer = new PeriodicTimer(TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerSecond, lifetime.Ticks / 10)), _time);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                var now = _time.GetUtcNow();
                foreach (var stream in _streams.Values)
                {
                    lock (stream.Gate)
                    {
                        if (stream.Current is { } current && current.RelayAdmission.ExpiresAt - now < lifetime / 3)
                        {
                            var (token, exp) = _tokens.Issue(stream.NodeKey, [stream.VpcId]);
                            var view = current with { RelayAdmission = new RelayAdmission { Token = token, ExpiresAt = exp } };
                            Send(stream, view, stream.Revision, _history.GetOrAdd(stream.DeviceId, _ => new ResumeHistory(_options.ResumeHistory)), forceFull: false);
                        }
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Queues a full map or the delta to <paramref name="view"/>; caller holds the stream's gate.</summary>
    private static void Send(DeviceStream stream, Core.Contracts.Netmap view, long dbRevision, ResumeHistory history, bool forceFull)
    {
        // Revisions follow the global database counter but must strictly increase per device even when only
        // the relay token changed.
        var revision = Math.Max(dbRevision, stream.Revision + 1);
        NetmapMessage? message;
        if (forceFull || stream.Current is null)
        {
            message = new NetmapMessage { Type = NetmapMessageTypes.Full, Revision = revision, Map = view };
        }
        else
        {
            message = NetmapDiff.Delta(stream.Current, view, revision);
            if (message is null)
            {
                return;
            }
        }

        stream.Current = view;
        stream.Revision = revision;
        history.Add(revision, view);
        stream.Outbox.Writer.TryWrite(message);
    }

    private async Task<VpcSnapshot?> LoadAsync(Guid vpcId, CancellationToken ct)
    {
        using var scope = _scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ControlDbContext>();
        db.Scope.SetSystem();
        return await NetmapBuilder.LoadAsync(db, vpcId, ct);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "netmap update of VPC {VpcId} failed; retrying")]
        public static partial void UpdateFailed(ILogger logger, Guid vpcId, Exception ex);
    }
}
