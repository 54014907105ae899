using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.Relay.Admission;
using Nexodus.Mesh.Relay.Mesh;
using Nexodus.Mesh.Relay.Protocol;
using Nexodus.Mesh.Relay.Transport;

namespace Nexodus.Mesh.Relay.Server;

/// <summary>
/// The relay core, independent of HTTP: takes an accepted byte stream, runs the handshake (server-key → client-info
/// or mesh-hello), admits or refuses, and runs the session. Also owns the outbound mesh links of the region.
/// </summary>
public sealed partial class RelayServer : IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<MeshLink> _links = [];
    private readonly List<Task> _linkTasks = [];
    private int _sessions;
    private int _pendingHandshakes;

    /// <summary>Upgrade connections served on the connection's TLS stream directly (RelayHost.DirectTlsStream).</summary>
    internal long DirectTlsConnections;

    public RelayServer(RelayServerOptions options, AdmissionValidator validator, RelayMetrics metrics, TimeProvider time, ILogger logger)
    {
        options.Validate();
        Options = options;
        Validator = validator;
        Metrics = metrics;
        Time = time;
        Logger = logger;
        PublicKey = options.PrivateKey.PublicKey;
        metrics.Registry.AddBeforeCollectCallback(SampleQueues);
    }

    public PublicKey PublicKey { get; }

    public RelayServerOptions Options { get; }

    public RelayMetrics Metrics { get; }

    public int LocalClients => Table.LocalCount;

    public int RemoteKeys => Table.RemoteCount;

    public bool IsStopping => _stopping.IsCancellationRequested;

    internal AdmissionValidator Validator { get; }

    internal TimeProvider Time { get; }

    internal ILogger Logger { get; }

    internal PeerTable Table { get; } = new();

    /// <summary>Starts dialing the configured mesh peers.</summary>
    public void StartMesh()
    {
        foreach (var peer in Options.MeshPeers)
        {
            var link = new MeshLink(this, peer);
            _links.Add(link);
            _linkTasks.Add(link.RunAsync(_stopping.Token));
        }
    }

    /// <summary>True when a key (local or announced by a mesh peer) is reachable through this relay.</summary>
    public bool CanReach(PublicKey key) => Table.TryFind(key.Span, out _);

    /// <summary>Runs one connection to completion. Never throws for anything the remote side does.</summary>
    public async Task HandleConnectionAsync(Stream stream, string remote, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
        var ct = linked.Token;
        var reader = FrameStreamReader.Create(stream);
        Interlocked.Increment(ref _sessions);
        var pending = true;
        Metrics.PendingHandshakes.Inc();
        try
        {
            if (Interlocked.Increment(ref _pendingHandshakes) > Options.MaxPendingHandshakes)
            {
                Metrics.AuthFailures.WithLabels("preauth_limit").Inc();
                Log.Refused(Logger, remote, "too many connections waiting to authenticate");
                await TrySendAsync(stream, new TextFrame("relay busy: too many connections are authenticating; retry shortly").Encode(FrameType.Health));
                return;
            }

            var challenge = RandomNumberGenerator.GetBytes(ProtocolConstants.ChallengeSize);
            await stream.WriteAsync(new ServerKeyFrame(ProtocolConstants.Version, PublicKey, challenge).Encode(), ct);
            await stream.FlushAsync(ct);

            FrameType type;
            byte[] payload;
            using (var handshake = new CancellationTokenSource(Options.HandshakeTimeout, Time))
            using (var hsLinked = CancellationTokenSource.CreateLinkedTokenSource(ct, handshake.Token))
            {
                try
                {
                    (type, payload) = await FrameStreamReader.ReadOneAsync(reader, hsLinked.Token);
                }
                catch (OperationCanceledException) when (handshake.IsCancellationRequested && !ct.IsCancellationRequested)
                {
                    Metrics.AuthFailures.WithLabels("handshake_timeout").Inc();
                    Log.Refused(Logger, remote, "no client-info within the handshake timeout");
                    return;
                }
            }

            switch (type)
            {
                case FrameType.ClientInfo:
                    var session = await AdmitClientAsync(payload, challenge, stream, ct);
                    EndPending(ref pending);
                    await session.RunAsync(reader, ct);
                    break;
                case FrameType.MeshHello:
                    var mesh = AdmitMesh(payload, challenge, stream);
                    EndPending(ref pending);
                    await mesh.RunAsync(reader, ct);
                    break;
                default:
                    throw new RelayProtocolException($"expected client-info or mesh-hello, got frame type 0x{(byte)type:x2}");
            }
        }
        catch (AdmissionException e)
        {
            Log.Refused(Logger, remote, e.Message);
            await TrySendAsync(stream, new TextFrame(e.Message).Encode(FrameType.Health));
        }
        catch (RelayProtocolException e)
        {
            Metrics.ProtocolErrors.Inc();
            Log.Refused(Logger, remote, "protocol violation: " + e.Reason);
            await TrySendAsync(stream, new TextFrame("protocol violation: " + e.Reason).Encode(FrameType.Health));
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or EndOfStreamException or System.Net.WebSockets.WebSocketException or ObjectDisposedException)
        {
            // The peer went away or we are shutting down; nothing to tell anyone.
        }
        finally
        {
            EndPending(ref pending);
            Interlocked.Decrement(ref _sessions);
            await reader.CompleteAsync();
        }
    }

    /// <summary>The connection left the unauthenticated state (admitted, refused or gone); counted once.</summary>
    private void EndPending(ref bool pending)
    {
        if (pending)
        {
            pending = false;
            Interlocked.Decrement(ref _pendingHandshakes);
            Metrics.PendingHandshakes.Dec();
        }
    }

    private static async Task TrySendAsync(Stream stream, byte[] frame)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await stream.WriteAsync(frame, timeout.Token);
            await stream.FlushAsync(timeout.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or System.Net.WebSockets.WebSocketException or ObjectDisposedException or NotSupportedException)
        {
        }
    }

    private async Task<ClientSession> AdmitClientAsync(byte[] payload, byte[] challenge, Stream stream, CancellationToken ct)
    {
        var info = ClientInfoFrame.Read(payload);
        var plaintext = new byte[info.SealedInfo.Length - Box.Overhead];
        if (!Box.TryOpen(Options.PrivateKey, info.NodeKey, ProtocolConstants.ClientInfoContext, info.SealedInfo, plaintext, out var written))
        {
            Metrics.AuthFailures.WithLabels("key_proof").Inc();
            throw new AdmissionException("client-info does not open with the claimed node key: the client does not hold that key's private half");
        }

        var sealedInfo = ClientInfoPlaintext.Read(plaintext.AsSpan(0, written));
        if (!CryptographicOperations.FixedTimeEquals(sealedInfo.Challenge, challenge))
        {
            Metrics.AuthFailures.WithLabels("challenge").Inc();
            throw new AdmissionException("client-info answers another challenge (replayed handshake?)");
        }

        if (sealedInfo.Version != ProtocolConstants.Version)
        {
            Metrics.AuthFailures.WithLabels("version").Inc();
            throw new AdmissionException($"unsupported relay protocol version {sealedInfo.Version}; this relay speaks {ProtocolConstants.Version}");
        }

        Admission.Admission admission;
        try
        {
            admission = await Validator.ValidateAsync(sealedInfo.Token, info.NodeKey, ct);
        }
        catch (AdmissionException)
        {
            Metrics.AuthFailures.WithLabels("token").Inc();
            throw;
        }

        var session = new ClientSession(this, info.NodeKey, admission, stream);
        var old = Table.Register(session);
        old?.Replace();
        Metrics.Connections.WithLabels("client").Inc();
        Metrics.ConnectionsTotal.WithLabels("client").Inc();
        Log.Admitted(Logger, info.NodeKey.Fingerprint(), admission.Vpcs.Length, admission.Expires);
        return session;
    }

    private MeshSession AdmitMesh(byte[] payload, byte[] challenge, Stream stream)
    {
        var hello = MeshHelloFrame.Read(payload);
        if (Options.MeshKey is null)
        {
            Metrics.AuthFailures.WithLabels("mesh_disabled").Inc();
            throw new AdmissionException("this relay has no mesh key configured; it does not accept mesh peers");
        }

        var expected = MeshHelloFrame.ComputeProof(Options.MeshKey, challenge, hello.RelayKey, PublicKey);
        if (!CryptographicOperations.FixedTimeEquals(expected, hello.Proof))
        {
            Metrics.AuthFailures.WithLabels("mesh_key").Inc();
            throw new AdmissionException("mesh-hello proof does not match this region's mesh key");
        }

        Metrics.Connections.WithLabels("mesh_in").Inc();
        Metrics.ConnectionsTotal.WithLabels("mesh_in").Inc();
        Log.MeshAdmitted(Logger, hello.RelayKey.Fingerprint(), hello.Region);
        return new MeshSession(this, hello.RelayKey, stream);
    }

    internal void OnSessionEnded(ClientSession session)
    {
        Table.Unregister(session);
        Metrics.Connections.WithLabels("client").Dec();
    }

    internal void OnMeshSessionEnded(MeshSession session)
    {
        Table.RemoveWatcher(session);
        Metrics.Connections.WithLabels("mesh_in").Dec();
    }

    private void SampleQueues()
    {
        long data = 0, disco = 0;
        foreach (var s in Table.LocalSessions)
        {
            data += s.Sender.DataDepth;
            disco += s.Sender.DiscoDepth;
        }

        Metrics.QueueDepth.WithLabels("data").Set(data);
        Metrics.QueueDepth.WithLabels("disco").Set(disco);
    }

    /// <summary>
    /// Ends every session. With <paramref name="restarting"/> clients first get a restarting frame telling them to
    /// come back after <paramref name="reconnectIn"/>; without it the connections are just cut (as a crash would).
    /// </summary>
    public async Task ShutdownAsync(bool restarting, TimeSpan reconnectIn = default)
    {
        if (restarting)
        {
            var frame = new RestartingFrame(reconnectIn, TimeSpan.FromSeconds(30)).Encode();
            foreach (var s in Table.LocalSessions)
            {
                s.End(frame, "relay restarting");
            }

            // Shutdown waits are wall-clock bounds on how long the process lingers, not protocol timers.
            await Task.Delay(TimeSpan.FromMilliseconds(300), TimeProvider.System);
        }

        await _stopping.CancelAsync();
        foreach (var task in _linkTasks)
        {
            try
            {
                await task;
            }
            catch (OperationCanceledException)
            {
            }
        }

        var deadline = TimeProvider.System.GetTimestamp();
        while (Volatile.Read(ref _sessions) > 0 && TimeProvider.System.GetElapsedTime(deadline) < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), TimeProvider.System);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopping.IsCancellationRequested)
        {
            await ShutdownAsync(restarting: false);
        }

        _stopping.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Refused {Remote}: {Reason}")]
        public static partial void Refused(ILogger logger, string remote, string reason);

        [LoggerMessage(Level = LogLevel.Debug, Message = "Admitted node {Key} ({VpcCount} VPCs, token valid until {Expires})")]
        public static partial void Admitted(ILogger logger, string key, int vpcCount, DateTimeOffset expires);

        [LoggerMessage(Level = LogLevel.Information, Message = "Mesh peer {Key} of region {Region} connected")]
        public static partial void MeshAdmitted(ILogger logger, string key, string region);
    }
}
