using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.Core.Net;

namespace Nexodus.Mesh.Node.WireGuard;

/// <summary>
/// The WireGuard engine for one interface: static identity, peers, cryptokey routing, index table, cookie
/// checker, and the loops that move packets between the <see cref="ITunDevice"/> and the <see cref="IBind"/>.
/// Threads: one per bind receiver (transport decryption inline), one TUN reader (encryption inline), and one
/// handshake worker fed by a bounded queue whose depth defines "under load".
/// </summary>
internal sealed partial class Device : IAsyncDisposable
{
    private readonly ILogger _logger;
    private readonly Lock _peersSync = new();
    private readonly Dictionary<PublicKey, Peer> _peers = [];
    private readonly Lock _lifecycle = new();
    private volatile StaticIdentity? _identity;
    private ushort _listenPort;
    private bool _up;
    private bool _disposed;
    private Filter.Firewall? _firewall;

    public Device(ITunDevice tun, IBind bind, TimeProvider? time = null, ILogger? logger = null, DeviceOptions? options = null)
    {
        Tun = tun;
        Bind = bind;
        Time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        Options = options ?? new DeviceOptions();
        CookieChecker = new CookieChecker(Time);
        RateLimiter = new RateLimiter(Time);
        InitQueues();
    }

    public ITunDevice Tun { get; }

    public IBind Bind { get; }

    public TimeProvider Time { get; }

    public DeviceOptions Options { get; }

    public DeviceCounters Counters { get; } = new();

    internal IndexTable Indices { get; } = new();

    internal AllowedIps<Peer> AllowedIps { get; } = new();

    internal CookieChecker CookieChecker { get; }

    internal RateLimiter RateLimiter { get; }

    public int Mtu => Tun.Mtu;

    /// <summary>Sees every received datagram first (disco, STUN share the socket).</summary>
    public IDatagramInterceptor? Interceptor { get; set; }

    /// <summary>
    /// Packet filter for decrypted inbound and plaintext outbound packets; null (the default) passes everything,
    /// as a bare WireGuard interface does.
    /// </summary>
    public Filter.Firewall? Firewall
    {
        get => Volatile.Read(ref _firewall);
        set => Volatile.Write(ref _firewall, value);
    }

    public PublicKey? LocalPublicKey => _identity?.PublicKey;

    public PrivateKey? LocalPrivateKey => _identity?.PrivateKey;

    public ushort ListenPort
    {
        get
        {
            lock (_lifecycle)
            {
                return _up ? Bind.Port : _listenPort;
            }
        }
    }

    /// <summary>Sets (or clears) the static private key; sessions under the old key are expired.</summary>
    public void SetPrivateKey(PrivateKey? key)
    {
        lock (_peersSync)
        {
            var old = _identity;
            if (old is not null && key is not null && old.PublicKey == key.PublicKey)
            {
                return;
            }

            // A peer with our own public key would be talking to ourselves.
            if (key is not null && _peers.TryGetValue(key.PublicKey, out var self))
            {
                RemovePeerLocked(self);
            }

            var identity = key is null ? null : new StaticIdentity(key);
            _identity = identity;
            if (identity is not null)
            {
                CookieChecker.Init(identity.PublicKey);
            }

            foreach (var peer in _peers.Values)
            {
                peer.SetLocalIdentity(identity);
                peer.ExpireCurrentKeypairs();
            }
        }
    }

    public Peer AddPeer(PublicKey key)
    {
        lock (_peersSync)
        {
            if (_identity is not null && _identity.PublicKey == key)
            {
                throw new ArgumentException("a peer cannot have this device's own public key", nameof(key));
            }

            if (_peers.TryGetValue(key, out var existing))
            {
                return existing;
            }

            var peer = new Peer(this, key);
            peer.SetLocalIdentity(_identity);
            _peers[key] = peer;
            lock (_lifecycle)
            {
                if (_up)
                {
                    peer.Start();
                }
            }

            return peer;
        }
    }

    public Peer? LookupPeer(PublicKey key)
    {
        lock (_peersSync)
        {
            return _peers.GetValueOrDefault(key);
        }
    }

    public List<Peer> Peers()
    {
        lock (_peersSync)
        {
            return [.. _peers.Values];
        }
    }

    public bool RemovePeer(PublicKey key)
    {
        lock (_peersSync)
        {
            if (!_peers.TryGetValue(key, out var peer))
            {
                return false;
            }

            RemovePeerLocked(peer);
            return true;
        }
    }

    public void RemoveAllPeers()
    {
        lock (_peersSync)
        {
            foreach (var peer in _peers.Values.ToList())
            {
                RemovePeerLocked(peer);
            }
        }
    }

    private void RemovePeerLocked(Peer peer)
    {
        _peers.Remove(peer.PublicKey);
        AllowedIps.RemoveByValue(peer);
        peer.Stop();
        peer.DisposeTimers();
    }

    public void AddAllowedIp(Peer peer, IPNetwork prefix) => AllowedIps.Insert(prefix, peer);

    public void RemoveAllowedIps(Peer peer) => AllowedIps.RemoveByValue(peer);

    public List<IPNetwork> AllowedIpsOf(Peer peer) => AllowedIps.EntriesFor(peer);

    /// <summary>Changes the listen port; rebinds if the device is up.</summary>
    public void SetListenPort(ushort port)
    {
        lock (_lifecycle)
        {
            _listenPort = port;
            if (!_up || Bind.Port == port)
            {
                return;
            }

            StopReceivers();
            Bind.Open(port);
            StartReceivers();
        }
    }

    /// <summary>Opens the bind and starts the loops and peers.</summary>
    public void Up()
    {
        lock (_lifecycle)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_up)
            {
                return;
            }

            Bind.Open(_listenPort);
            _up = true;
            StartLoops();
        }

        foreach (var peer in Peers())
        {
            peer.Start();
        }
    }

    public async ValueTask DisposeAsync()
    {
        lock (_lifecycle)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _up = false;
        }

        foreach (var peer in Peers())
        {
            peer.Stop();
            peer.DisposeTimers();
        }

        Bind.Close();
        await Tun.DisposeAsync();
        StopLoops();
        await Bind.DisposeAsync();
    }
}
