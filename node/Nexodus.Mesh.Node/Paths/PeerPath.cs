using System.Net;
using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.Core.Net;
using Nexodus.Mesh.Node.Disco;

namespace Nexodus.Mesh.Node.Paths;

/// <summary>
/// The path state machine of one peer (DESIGN §4). Relay from the start; every candidate is pinged (and
/// call-me-maybe goes through the relay) at once, then with a doubling backoff up to the re-probe interval; the
/// first pong moves the peer to that direct address; heartbeats keep proving it; no pong for
/// <see cref="PathManagerOptions.DirectTimeout"/> moves it back to the relay and starts probing again.
/// All state is guarded by one lock; sends go out through the owning <see cref="PathManager"/>.
/// </summary>
internal sealed class PeerPath
{
    private const int MaxPending = 64;
    private const int MaxLearned = 32;

    /// <summary>An address that pinged us or was named in call-me-maybe is pinged back at most this often.</summary>
    private static readonly TimeSpan AnswerPingSpacing = TimeSpan.FromMilliseconds(100);

    private readonly PathManager _owner;
    private readonly PathManagerOptions _options;
    private readonly Lock _sync = new();
    private readonly Dictionary<UdpEndpoint, PathCandidate> _candidates = [];
    private readonly Dictionary<DiscoTxId, PendingPing> _pending = [];
    private volatile UdpEndpoint? _direct;
    private volatile int _homeRelay = -1;
    private PublicKey? _discoKey;
    private DateTimeOffset _directLastPong;
    private DateTimeOffset _lastHeartbeat;
    private DateTimeOffset _nextProbe;
    private int _probeRound;
    private bool _fellBack;
    private TimeSpan? _latency;
    private DateTimeOffset? _lastPong;

    public PeerPath(PathManager owner, PublicKey nodeKey, PathManagerOptions options)
    {
        _owner = owner;
        _options = options;
        NodeKey = nodeKey;
        Endpoint = new PeerEndpoint(this);
    }

    public PublicKey NodeKey { get; }

    public PeerEndpoint Endpoint { get; }

    /// <summary>The proven direct address, or null (relay). Read on every send without locking.</summary>
    public UdpEndpoint? Direct => _direct;

    /// <summary>The peer's home relay region; null = ours.</summary>
    public int? HomeRelay => _homeRelay < 0 ? null : _homeRelay;

    public PublicKey? DiscoKey
    {
        get
        {
            lock (_sync)
            {
                return _discoKey;
            }
        }
    }

    /// <summary>Applies the netmap's view of the peer. New endpoints or a new disco key restart probing.</summary>
    public void Update(PathPeer info, DateTimeOffset now)
    {
        lock (_sync)
        {
            _homeRelay = info.HomeRelay ?? -1;
            var changed = !Nullable.Equals(_discoKey, info.DiscoKey);
            if (changed)
            {
                // A new disco key is a new process on the other side: what we proved with the old one is void.
                _discoKey = info.DiscoKey;
                _pending.Clear();
            }

            var wanted = new HashSet<UdpEndpoint>();
            foreach (var ep in info.Endpoints)
            {
                wanted.Add(new UdpEndpoint(ep));
            }

            foreach (var c in _candidates.Values.ToList())
            {
                if (c.FromNetmap && !wanted.Contains(c.Endpoint))
                {
                    c.FromNetmap = false;
                    changed = true;
                    if (c.LearnedAt == default)
                    {
                        _candidates.Remove(c.Endpoint);
                    }
                }
            }

            foreach (var ep in wanted)
            {
                if (!_candidates.TryGetValue(ep, out var c))
                {
                    c = new PathCandidate(ep);
                    _candidates[ep] = c;
                }

                changed |= !c.FromNetmap;
                c.FromNetmap = true;
            }

            if (changed)
            {
                ReprobeLocked(now);
            }
        }
    }

    /// <summary>Probe again now with the fast schedule (network change, roaming, new endpoints).</summary>
    public void Reprobe(DateTimeOffset now)
    {
        lock (_sync)
        {
            ReprobeLocked(now);
        }
    }

    private void ReprobeLocked(DateTimeOffset now)
    {
        _nextProbe = now;
        _probeRound = 0;
    }

    /// <summary>Runs the timers: heartbeat or fallback of the direct path, probing on schedule.</summary>
    public void Tick(DateTimeOffset now)
    {
        var changed = false;
        lock (_sync)
        {
            ExpireLocked(now);
            if (_discoKey is null)
            {
                return;
            }

            if (_direct is { } direct)
            {
                if (now - _directLastPong > _options.DirectTimeout)
                {
                    // The direct path stopped answering: the relay carries the traffic from the next packet on.
                    _direct = null;
                    _latency = null;
                    _fellBack = true;
                    _owner.Counters.RelayFallback();
                    ReprobeLocked(now);
                    changed = true;
                }
                else if (now - _lastHeartbeat >= _options.HeartbeatInterval)
                {
                    _lastHeartbeat = now;
                    SendPingLocked(direct, now);
                }
            }

            if (now >= _nextProbe)
            {
                ProbeLocked(now);
            }
        }

        if (changed)
        {
            _owner.OnPathChanged(this, "direct path stopped answering");
        }
    }

    private void ProbeLocked(DateTimeOffset now)
    {
        foreach (var c in _candidates.Values)
        {
            if (!c.Endpoint.Equals(_direct) && !_owner.IsOwnEndpoint(c.Endpoint))
            {
                SendPingLocked(c.Endpoint, now);
            }
        }

        // Ask the peer to ping us back at the same moment: its outbound packets open our NAT's filter for it.
        _owner.SendCallMeMaybe(this, _discoKey!.Value);
        var delay = _direct is not null
            ? _options.ReprobeInterval
            : TimeSpan.FromTicks(Math.Min(_options.ReprobeInterval.Ticks, _options.ProbeRetryMin.Ticks << Math.Min(_probeRound, 16)));
        _probeRound++;
        _nextProbe = now + delay;
        if (_direct is null && _probeRound > 1)
        {
            _fellBack = false;
        }
    }

    private void ExpireLocked(DateTimeOffset now)
    {
        if (_pending.Count > 0)
        {
            foreach (var (tx, p) in _pending.ToList())
            {
                if (now - p.Sent > _options.PingTimeout)
                {
                    _pending.Remove(tx);
                }
            }
        }

        foreach (var c in _candidates.Values.ToList())
        {
            if (!c.FromNetmap && now - c.LearnedAt > _options.LearnedCandidateLifetime && !c.Endpoint.Equals(_direct))
            {
                _candidates.Remove(c.Endpoint);
            }
        }
    }

    private void SendPingLocked(UdpEndpoint to, DateTimeOffset now)
    {
        if (_pending.Count >= MaxPending)
        {
            return;
        }

        var tx = DiscoTxId.NewRandom();
        _pending[tx] = new PendingPing(to, now);
        if (_candidates.TryGetValue(to, out var c))
        {
            c.LastPing = now;
        }

        _owner.SendPing(this, _discoKey!.Value, to, tx);
    }

    /// <summary>A ping arrived from <paramref name="from"/> (authenticated): answer, remember the address, ping it back.</summary>
    public void OnPing(UdpEndpoint from, DiscoTxId tx, DateTimeOffset now)
    {
        lock (_sync)
        {
            if (_discoKey is not { } disco)
            {
                return;
            }

            _owner.SendPong(this, disco, from, tx);
            var c = LearnLocked(from, now);
            if (c is not null && NeedsAnswerPingLocked(c, now))
            {
                // Their ping got through our NAT, so ours to the same address now passes theirs (our earlier one may
                // have been dropped before their side had sent anything). Only until we have our own pong from it, so
                // two nodes never keep answering each other's pings with pings.
                SendPingLocked(from, now);
            }
        }
    }

    /// <summary>A pong arrived from <paramref name="from"/> (authenticated). True when it matched a ping of ours.</summary>
    public bool OnPong(UdpEndpoint from, DiscoTxId tx, DateTimeOffset now)
    {
        string? why = null;
        lock (_sync)
        {
            if (!_pending.TryGetValue(tx, out var pending) || !pending.To.Equals(from))
            {
                return false;
            }

            _pending.Remove(tx);
            var rtt = now - pending.Sent;
            if (!_candidates.TryGetValue(from, out var c))
            {
                c = new PathCandidate(from) { LearnedAt = now };
                _candidates[from] = c;
            }

            c.LastPong = now;
            c.Latency = rtt;
            _lastPong = now;
            var current = _direct;
            if (current is null)
            {
                why = "pong from " + from;
            }
            else if (!current.Equals(from) && _latency is { } cur && rtt < cur * 0.7 && cur - rtt >= TimeSpan.FromMilliseconds(1))
            {
                why = "lower latency on " + from;
            }

            if (why is not null)
            {
                _direct = from;
                _owner.Counters.DirectSwitch();
                _fellBack = false;
                _lastHeartbeat = now;
                _nextProbe = now + _options.ReprobeInterval;
            }

            if (from.Equals(_direct))
            {
                _directLastPong = now;
                _latency = rtt;
            }
        }

        if (why is not null)
        {
            _owner.OnPathChanged(this, why);
        }

        return true;
    }

    /// <summary>Call-me-maybe (authenticated): the peer is pinging these addresses now; ping them back at once.</summary>
    public void OnCallMeMaybe(IReadOnlyList<IPEndPoint> endpoints, DateTimeOffset now)
    {
        lock (_sync)
        {
            if (_discoKey is null)
            {
                return;
            }

            foreach (var ep in endpoints)
            {
                var u = new UdpEndpoint(ep);
                var c = LearnLocked(u, now);
                if (c is not null && NeedsAnswerPingLocked(c, now) && !_owner.IsOwnEndpoint(u))
                {
                    SendPingLocked(u, now);
                }
            }
        }
    }

    private bool NeedsAnswerPingLocked(PathCandidate c, DateTimeOffset now) =>
        !c.Endpoint.Equals(_direct) && now - c.LastPing >= AnswerPingSpacing && (c.LastPong is null || now - c.LastPong > _options.PingTimeout);

    private PathCandidate? LearnLocked(UdpEndpoint ep, DateTimeOffset now)
    {
        if (!_candidates.TryGetValue(ep, out var c))
        {
            if (_candidates.Count >= MaxLearned + 16)
            {
                return null; // a peer cannot grow our state without bound
            }

            c = new PathCandidate(ep);
            _candidates[ep] = c;
        }

        c.LearnedAt = now;
        return c;
    }

    /// <summary>True when <paramref name="from"/> is a path of this peer proven by a pong (its datagrams are this peer's).</summary>
    public bool IsProven(UdpEndpoint from)
    {
        if (from.Equals(_direct))
        {
            return true;
        }

        lock (_sync)
        {
            return _candidates.TryGetValue(from, out var c) && c.LastPong is not null;
        }
    }

    public PeerPathStatus Status(bool udpBlocked, bool relayUp, int? relayRegion)
    {
        lock (_sync)
        {
            var direct = _direct;
            string? reason = null;
            if (direct is null)
            {
                reason = _discoKey is null ? "no disco key"
                    : udpBlocked ? "udp blocked"
                    : _fellBack ? "direct path stopped answering"
                    : _candidates.Count == 0 ? "no candidates"
                    : _probeRound <= 1 ? "probing"
                    : "no pong from candidates";
            }

            var kind = direct is not null ? PathKind.Direct : relayUp ? PathKind.Relay : PathKind.None;
            return new PeerPathStatus(NodeKey, kind, direct?.ToString(), relayRegion, reason, direct is null ? null : _latency, _lastPong, _candidates.Count);
        }
    }
}
