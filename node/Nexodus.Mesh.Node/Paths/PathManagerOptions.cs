using System.Net;
using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.Core.Net;

namespace Nexodus.Mesh.Node.Paths;

/// <summary>Identity and tunables of a <see cref="PathManager"/>. Timing defaults meet "fall back to the relay within 3 s".</summary>
internal sealed class PathManagerOptions
{
    /// <summary>The node (WireGuard) private key: proves our identity to the relay. Not disposed by the manager.</summary>
    public required PrivateKey NodeKey { get; init; }

    /// <summary>
    /// The disco key; its public half must be the one control hands to peers (PeerInfo.DiscoKey). Null = a fresh key
    /// (then the agent must tell control the new public key, <see cref="PathManager.DiscoPublicKey"/>).
    /// </summary>
    public PrivateKey? DiscoKey { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The UDP bind underneath (one socket per family). Null = a new <c>UdpBind</c>. Owned (disposed) by the manager.</summary>
    public IBind? Bind { get; init; }

    /// <summary>Makes relay connections; null = <see cref="RelayConnection"/> (RelayClient over TLS).</summary>
    public Func<RelayConnectionSettings, IRelayConnection>? RelayFactory { get; init; }

    /// <summary>
    /// Addresses to advertise as local candidates (with the bound port). Null = the up, non-loopback interfaces'
    /// unicast addresses (IPv4, and global/ULA IPv6), except <see cref="ExcludeInterfaces"/>.
    /// </summary>
    public Func<IReadOnlyList<IPAddress>>? LocalAddresses { get; init; }

    /// <summary>Interfaces whose addresses are never candidates — the tunnel interface itself.</summary>
    public IReadOnlyCollection<string> ExcludeInterfaces { get; init; } = [];

    /// <summary>Run STUN, NAT behaviour and relay latency discovery (off in unit tests without servers).</summary>
    public bool Discovery { get; init; } = true;

    /// <summary>Run the RFC 5780 mapping/filtering tests (on a socket of their own) as part of discovery.</summary>
    public bool NatBehaviorDiscovery { get; init; } = true;

    /// <summary>Creates the relay connections' TCP sockets (bound to an interface, or inside a network namespace); null = default.</summary>
    public Func<System.Net.Sockets.Socket>? RelaySocketFactory { get; init; }

    /// <summary>How often the per-peer state machines run.</summary>
    public TimeSpan TickInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Ping on the direct path this often (keeps NAT mappings and proves the path).</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromMilliseconds(600);

    /// <summary>No pong on the direct path for this long (≈ 3 missed heartbeats) → back to the relay.</summary>
    public TimeSpan DirectTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>First retry of probing while on the relay; doubles up to <see cref="ReprobeInterval"/>.</summary>
    public TimeSpan ProbeRetryMin { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Re-probe all candidates this often (on the relay: the cap of the retry backoff; when direct: look for a better path).</summary>
    public TimeSpan ReprobeInterval { get; init; } = TimeSpan.FromSeconds(25);

    /// <summary>A ping without pong after this long is forgotten.</summary>
    public TimeSpan PingTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Candidates learned from call-me-maybe or incoming pings are forgotten after this long without news.</summary>
    public TimeSpan LearnedCandidateLifetime { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Endpoint discovery (STUN reflexive, local addresses, home relay) repeats this often; NAT behaviour only on change.</summary>
    public TimeSpan DiscoveryInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Relay packets waiting for the engine's relay receiver; more are dropped (the relay is lossy anyway).</summary>
    public int RelayInboxSize { get; init; } = 2048;
}
