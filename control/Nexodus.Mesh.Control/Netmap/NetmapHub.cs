using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Nexodus.Mesh.Control.Admission;
using Nexodus.Mesh.Control.Hosting;
using Nexodus.Mesh.Control.Storage;
using Nexodus.Mesh.Core.Contracts;

namespace Nexodus.Mesh.Control.Netmap;

/// <summary>
/// Keeps every netmap stream of this process current. Change signals (local or from other replicas) are coalesced for
/// <see cref="ControlOptions.CoalesceWindow"/>; then each affected VPC is read once — only the rows of the devices a
/// signal names, or whole when it names none — into a new shared <see cref="VpcGeneration"/>, and every stream gets
/// the delta from the generation it holds to the new one: computed once per generation pair and serialized once for
/// all streams whose delta is the same (a device sees every peer but itself, so only the changed devices themselves and
/// members of a group whose filter changed get their own line); nothing when its view did not change. One ticker sends
/// heartbeats to idle streams, another refreshes relay admission tokens before they expire.
/// </summary>
internal sealed partial class NetmapHub : BackgroundService
{
    private readonly ConcurrentDictionary<Guid, VpcState> _vpcs = new();
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

    public int StreamCount
    {
        get
        {
            var n = 0;
            foreach (var state in _vpcs.Values)
            {
                n += state.Streams.Count;
            }

            return n;
        }
    }

    /// <summary>
    /// Registers a stream and queues its first messages: a full map, or — when <paramref name="resumeFrom"/> names a
    /// view this process still remembers — a delta from it; an unknown revision gets "resync" then the full map.
    /// Returns null when the device no longer exists.
    /// </summary>
    public async Task<DeviceStream?> OpenAsync(Guid deviceId, Guid vpcId, long? resumeFrom, CancellationToken ct)
    {
        var state = _vpcs.GetOrAdd(vpcId, id => new VpcState(id, _options.ResumeHistory));
        var generation = await CurrentWithAsync(state, deviceId, ct);
        if (generation is null || !generation.Peers.TryGetValue(deviceId, out var self))
        {
            return null;
        }

        var stream = new DeviceStream(deviceId, vpcId, self.Info.NodeKey);
        var (token, exp) = _tokens.Issue(stream.NodeKey, [vpcId]);
        stream.Admission = new RelayAdmission { Token = token, ExpiresAt = exp };
        lock (stream.Gate)
        {
            var known = resumeFrom is { } r ? ResumeBase(state, deviceId, r) : null;
            if (known is not null && known.Peers.ContainsKey(deviceId))
            {
                stream.Generation = known;
                stream.Revision = resumeFrom!.Value;
                SendDelta(stream, generation, sharedLines: null, diffs: null, admission: stream.Admission, force: true);
            }
            else
            {
                if (resumeFrom is not null)
                {
                    stream.Queue(new OutgoingLine(NetmapLines.Resync(resumeFrom.Value, "revision unknown to this server or too old; a full map follows"), null));
                }

                var revision = Math.Max(generation.Revision, stream.Revision + 1);
                stream.Queue(new OutgoingLine(null, new FullMapLine(generation, self, revision, stream.Admission)));
                stream.Generation = generation;
                stream.Revision = revision;
            }
        }

        state.Streams[stream.Id] = stream;
        // A round that ran between our read and the registration above did not see this stream: catch it up (no read).
        if (!ReferenceEquals(state.Current, generation))
        {
            _signals.Writer.TryWrite(new ChangeSignal([vpcId], false, []));
        }

        return stream;
    }

    public void Close(DeviceStream stream)
    {
        lock (stream.Gate)
        {
            stream.End(null);
        }

        if (_vpcs.TryGetValue(stream.VpcId, out var state) && state.Streams.TryRemove(stream.Id, out _) && stream.Generation is { } g)
        {
            state.LastSent[stream.DeviceId] = (stream.Revision, g.Revision);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _ = RefreshTokensLoopAsync(stoppingToken);
        _ = HeartbeatLoopAsync(stoppingToken);
        try
        {
            while (await _signals.Reader.WaitToReadAsync(stoppingToken))
            {
                if (_options.CoalesceWindow > TimeSpan.Zero)
                {
                    await Task.Delay(_options.CoalesceWindow, _time, stoppingToken);
                }

                // Per VPC: null = read it whole, else the devices to re-read (empty: only catch streams up).
                var all = false;
                var work = new Dictionary<Guid, HashSet<Guid>?>();
                while (_signals.Reader.TryRead(out var s))
                {
                    all |= s.All;
                    foreach (var vpc in s.VpcIds)
                    {
                        if (s.DeviceIds is null || s.VpcIds.Count != 1)
                        {
                            work[vpc] = null;
                        }
                        else if (!work.TryGetValue(vpc, out var ids))
                        {
                            work[vpc] = [.. s.DeviceIds];
                        }
                        else
                        {
                            ids?.UnionWith(s.DeviceIds);
                        }
                    }
                }

                if (all)
                {
                    foreach (var vpc in _vpcs.Keys)
                    {
                        work[vpc] = null;
                    }
                }

                foreach (var (vpcId, deviceIds) in work)
                {
                    if (!_vpcs.TryGetValue(vpcId, out var state))
                    {
                        continue;
                    }

                    try
                    {
                        await UpdateVpcAsync(state, deviceIds, stoppingToken);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        Log.UpdateFailed(_log, vpcId, ex);
                        // Try again on the next round (reading the VPC whole) rather than leaving streams stale.
                        _signals.Writer.TryWrite(new ChangeSignal([vpcId], false));
                        await Task.Delay(TimeSpan.FromSeconds(1), _time, stoppingToken);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task UpdateVpcAsync(VpcState state, HashSet<Guid>? deviceIds, CancellationToken ct)
    {
        VpcGeneration? generation;
        await state.Refresh.WaitAsync(ct);
        try
        {
            if (state.Streams.IsEmpty)
            {
                // Nobody here to update: forget the generation rather than keep it current; the next stream reads it.
                state.Current = null;
                return;
            }

            generation = state.Current is null || deviceIds is null
                ? await LoadAsync(state.VpcId, state.Current ?? state.History.Latest, ct)
                : await LoadDevicesAsync(state.Current, deviceIds, ct);
            if (generation is not null)
            {
                state.Publish(generation);
            }
        }
        finally
        {
            state.Refresh.Release();
        }

        var lines = new Dictionary<(VpcGeneration, FilterEntry?), byte[]>();
        var diffs = new Dictionary<VpcGeneration, GenerationDiff>(ReferenceEqualityComparer.Instance);
        foreach (var stream in state.Streams.Values)
        {
            lock (stream.Gate)
            {
                // A stream opened while this round fanned out may already hold a later generation than this round's
                // (its device joined after our read): it is not behind, and certainly not deleted.
                if (generation is not null && stream.Generation is { } held && held.Sequence >= generation.Sequence)
                {
                    continue;
                }

                if (generation is null || !generation.Peers.ContainsKey(stream.DeviceId))
                {
                    // Device or VPC deleted: its credential is already gone; tell the node and end the stream.
                    stream.End(NetmapLines.Revoked(stream.Revision + 1, "device removed"));
                    state.Streams.TryRemove(stream.Id, out _);
                    state.LastSent.TryRemove(stream.DeviceId, out _);
                    continue;
                }

                SendDelta(stream, generation, lines, diffs, admission: null, force: false);
            }
        }

        if (generation is null)
        {
            _vpcs.TryRemove(state.VpcId, out _);
        }
    }

    /// <summary>
    /// Queues the delta from the stream's generation to <paramref name="to"/> (nothing when its view is unchanged,
    /// unless <paramref name="force"/>); caller holds the stream's gate. Lines that do not depend on the device are
    /// shared through <paramref name="sharedLines"/>.
    /// </summary>
    private static void SendDelta(DeviceStream stream, VpcGeneration to, Dictionary<(VpcGeneration, FilterEntry?), byte[]>? sharedLines,
        Dictionary<VpcGeneration, GenerationDiff>? diffs, RelayAdmission? admission, bool force)
    {
        var from = stream.Generation!;
        if (ReferenceEquals(from, to) && !force)
        {
            return;
        }

        GenerationDiff? diff = null;
        if (diffs is null || !diffs.TryGetValue(from, out diff))
        {
            diff = GenerationDiff.Compute(from, to);
            diffs?.Add(from, diff);
        }

        var self = to.Peers[stream.DeviceId];
        var selfChanged = diff.ChangedIds.Contains(stream.DeviceId);
        var oldFilter = from.Peers.TryGetValue(stream.DeviceId, out var oldSelf) ? from.FilterFor(oldSelf.Row) : null;
        var newFilter = to.FilterFor(self.Row);
        var filterChanged = oldFilter is null || (!ReferenceEquals(oldFilter, newFilter) && !oldFilter.Json.AsSpan().SequenceEqual(newFilter.Json));
        var peersChanged = diff.Changed.Count > (selfChanged ? 1 : 0) || diff.Removed.Count > 0;
        if (!force && !selfChanged && !peersChanged && !filterChanged && !diff.RelayMapChanged && !diff.DnsChanged)
        {
            stream.Generation = to;
            return;
        }

        // Revisions follow the global database counter but must strictly increase per device even when only the
        // relay token changed.
        var revision = Math.Max(to.Revision, stream.Revision + 1);
        var filter = filterChanged ? newFilter : null;
        byte[] line;
        if (sharedLines is not null && !selfChanged && admission is null && revision == to.Revision)
        {
            if (!sharedLines.TryGetValue((from, filter), out line!))
            {
                line = NetmapLines.Delta(revision, null, diff, Guid.Empty, to, filter, null);
                sharedLines[(from, filter)] = line;
            }
        }
        else
        {
            line = NetmapLines.Delta(revision, selfChanged ? self : null, diff, stream.DeviceId, to, filter, admission);
        }

        stream.Queue(new OutgoingLine(line, null));
        stream.Generation = to;
        stream.Revision = revision;
    }

    private async Task HeartbeatLoopAsync(CancellationToken ct)
    {
        // One ticker for every stream: an idle stream gets a heartbeat 1 to 1.5 intervals after its last line.
        var interval = _options.HeartbeatInterval;
        using var timer = new PeriodicTimer(interval / 2, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                foreach (var state in _vpcs.Values)
                {
                    foreach (var stream in state.Streams.Values)
                    {
                        lock (stream.Gate)
                        {
                            if (Stopwatch.GetElapsedTime(stream.LastQueued) >= interval)
                            {
                                stream.Queue(new OutgoingLine(NetmapLines.Heartbeat(stream.Revision), null));
                            }
                        }
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
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
                foreach (var state in _vpcs.Values)
                {
                    foreach (var stream in state.Streams.Values)
                    {
                        lock (stream.Gate)
                        {
                            if (stream.Generation is not null && stream.Admission.ExpiresAt - now < lifetime / 3)
                            {
                                var (token, exp) = _tokens.Issue(stream.NodeKey, [stream.VpcId]);
                                stream.Admission = new RelayAdmission { Token = token, ExpiresAt = exp };
                                stream.Revision++;
                                stream.Queue(new OutgoingLine(NetmapLines.Admission(stream.Revision, stream.Admission), null));
                            }
                        }
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>The generation a resuming client holds: the one its stream last stood for, or the one with that revision.</summary>
    private static VpcGeneration? ResumeBase(VpcState state, Guid deviceId, long revision) =>
        state.LastSent.TryGetValue(deviceId, out var last) && last.StreamRevision == revision
            ? state.History.Find(last.GenerationRevision)
            : state.History.Find(revision);

    /// <summary>The VPC's current generation, read first if this process has none or it does not know the device yet.</summary>
    private async Task<VpcGeneration?> CurrentWithAsync(VpcState state, Guid deviceId, CancellationToken ct)
    {
        await state.Refresh.WaitAsync(ct);
        try
        {
            var generation = state.Current;
            if (generation is null)
            {
                generation = await LoadAsync(state.VpcId, state.History.Latest, ct);
            }
            else if (!generation.Peers.ContainsKey(deviceId))
            {
                generation = await LoadDevicesAsync(generation, [deviceId], ct);
            }

            if (generation is not null)
            {
                state.Publish(generation);
            }

            return generation;
        }
        finally
        {
            state.Refresh.Release();
        }
    }

    private async Task<VpcGeneration?> LoadAsync(Guid vpcId, VpcGeneration? previous, CancellationToken ct)
    {
        using var scope = _scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ControlDbContext>();
        db.Scope.SetSystem();
        return await NetmapBuilder.LoadAsync(db, vpcId, previous, ct);
    }

    private async Task<VpcGeneration> LoadDevicesAsync(VpcGeneration previous, IReadOnlyCollection<Guid> deviceIds, CancellationToken ct)
    {
        if (deviceIds.Count == 0)
        {
            return previous;
        }

        using var scope = _scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ControlDbContext>();
        db.Scope.SetSystem();
        return await NetmapBuilder.LoadDevicesAsync(db, previous, deviceIds, ct);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "netmap update of VPC {VpcId} failed; retrying")]
        public static partial void UpdateFailed(ILogger logger, Guid vpcId, Exception ex);
    }
}
