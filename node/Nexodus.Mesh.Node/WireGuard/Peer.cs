using System.Security.Cryptography;
using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.Core.Net;

namespace Nexodus.Mesh.Node.WireGuard;

/// <summary>
/// A remote WireGuard peer: its static key, handshake, the previous/current/next keypairs, endpoint, staged
/// packets, timers and transfer counters. <see cref="Sync"/> guards handshake and keypair rotation; the data
/// path reads <see cref="Current"/> without locking.
/// </summary>
internal sealed partial class Peer
{
    private const int MaxStagedPackets = 128;

    private readonly Queue<(byte[] Buffer, int Length)> _staged = new();
    private volatile Keypair? _current;
    private Keypair? _previous;
    private Keypair? _next;
    private volatile Endpoint? _endpoint;
    private long _rxBytes;
    private long _txBytes;
    private long _lastHandshakeTicks;
    private volatile bool _running;

    public Peer(Device device, PublicKey publicKey)
    {
        Device = device;
        PublicKey = publicKey;
        Handshake = new Handshake(publicKey);
        Cookies = new CookieGenerator(publicKey, device.Time);
        InitTimers();
    }

    public Lock Sync { get; } = new();

    public Device Device { get; }

    public PublicKey PublicKey { get; }

    public Handshake Handshake { get; }

    public CookieGenerator Cookies { get; }

    public Keypair? Current => _current;

    public Endpoint? Endpoint => _endpoint;

    public long RxBytes => Interlocked.Read(ref _rxBytes);

    public long TxBytes => Interlocked.Read(ref _txBytes);

    /// <summary>Wall-clock time of the last completed handshake; null if none.</summary>
    public DateTimeOffset? LastHandshake
    {
        get
        {
            var ticks = Interlocked.Read(ref _lastHandshakeTicks);
            return ticks == 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
        }
    }

    /// <summary>0 = off.</summary>
    public int PersistentKeepaliveSeconds { get; private set; }

    public void SetEndpoint(Endpoint? endpoint) => _endpoint = endpoint;

    /// <summary>Roaming: the endpoint follows the source of the latest authenticated packet.</summary>
    public void SetEndpointFromPacket(Endpoint from)
    {
        if (_endpoint is ISteeredEndpoint)
        {
            return; // path selection above the engine owns this peer's endpoint
        }

        if (!from.Equals(_endpoint))
        {
            _endpoint = from;
        }
    }

    public void SetPresharedKey(ReadOnlySpan<byte> psk)
    {
        lock (Sync)
        {
            if (psk.IsEmpty)
            {
                CryptographicOperations.ZeroMemory(Handshake.PresharedKey);
            }
            else
            {
                psk.CopyTo(Handshake.PresharedKey);
            }
        }
    }

    public bool HasPresharedKey
    {
        get
        {
            lock (Sync)
            {
                return !Handshake.PresharedKey.AsSpan().SequenceEqual(new byte[Protocol.KeySize]);
            }
        }
    }

    public byte[] PresharedKeyCopy()
    {
        lock (Sync)
        {
            return (byte[])Handshake.PresharedKey.Clone();
        }
    }

    public void SetPersistentKeepalive(int seconds)
    {
        var was = PersistentKeepaliveSeconds;
        PersistentKeepaliveSeconds = seconds;
        if (seconds > 0 && was == 0 && _running)
        {
            SendKeepalive();
        }
    }

    /// <summary>Recomputes DH(our static, their static); called on add and when our private key changes.</summary>
    public void SetLocalIdentity(StaticIdentity? identity)
    {
        lock (Sync)
        {
            Handshake.StaticStaticValid = identity is not null && identity.PrivateKey.TryAgreeRaw(PublicKey, Handshake.PrecomputedStaticStatic);
        }
    }

    public void AddRx(int bytes) => Interlocked.Add(ref _rxBytes, bytes);

    public void AddTx(int bytes) => Interlocked.Add(ref _txBytes, bytes);

    public void Start()
    {
        _running = true;
        if (PersistentKeepaliveSeconds > 0)
        {
            SendKeepalive();
        }
    }

    public void Stop()
    {
        _running = false;
        StopTimers();
        ZeroAndFlushAll();
    }

    /// <summary>Rotates a freshly derived keypair in (wireguard-go's BeginSymmetricSession rules). Caller holds <see cref="Sync"/>.</summary>
    public void InstallKeypair(Keypair keypair)
    {
        if (keypair.IsInitiator)
        {
            if (_next is not null)
            {
                DeleteKeypair(_previous);
                _previous = _next;
                _next = null;
                DeleteKeypair(_current);
            }
            else
            {
                DeleteKeypair(_previous);
                _previous = _current;
            }

            _current = keypair;
        }
        else
        {
            DeleteKeypair(_next);
            _next = keypair;
            DeleteKeypair(_previous);
            _previous = null;
        }
    }

    /// <summary>The responder's next keypair becomes current once the initiator proves it has it. True on that switch.</summary>
    public bool ReceivedWithKeypair(Keypair keypair)
    {
        if (!ReferenceEquals(Volatile.Read(ref _next), keypair))
        {
            return false;
        }

        lock (Sync)
        {
            if (!ReferenceEquals(_next, keypair))
            {
                return false;
            }

            DeleteKeypair(_previous);
            _previous = _current;
            _current = _next;
            _next = null;
            return true;
        }
    }

    /// <summary>Forces a new handshake before the next send (after a key change).</summary>
    public void ExpireCurrentKeypairs()
    {
        lock (Sync)
        {
            if (Handshake.LocalIndex != 0)
            {
                Device.Indices.Delete(Handshake.LocalIndex);
            }

            Handshake.Clear();
            Handshake.LastSentHandshake = DateTimeOffset.MinValue;
            _current?.Expire();
            _next?.Expire();
        }
    }

    public void ZeroAndFlushAll()
    {
        lock (Sync)
        {
            DeleteKeypair(_previous);
            DeleteKeypair(_current);
            DeleteKeypair(_next);
            _previous = null;
            _current = null;
            _next = null;
            if (Handshake.LocalIndex != 0)
            {
                Device.Indices.Delete(Handshake.LocalIndex);
            }

            Handshake.Clear();
            FlushStaged();
        }
    }

    private void MarkHandshakeComplete() => Interlocked.Exchange(ref _lastHandshakeTicks, Device.Time.GetUtcNow().UtcTicks);

    private void DeleteKeypair(Keypair? keypair)
    {
        if (keypair is null)
        {
            return;
        }

        Device.Indices.Delete(keypair.LocalIndex);
        keypair.Dispose();
    }

    public override string ToString() => "peer(" + PublicKey.ToString()[..8] + "…)";
}
