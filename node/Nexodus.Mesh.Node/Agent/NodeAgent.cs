using System.Net;
using System.Net.NetworkInformation;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nexodus.Mesh.Core.Contracts;
using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.Node.ControlPlane;
using Nexodus.Mesh.Node.Filter;
using Nexodus.Mesh.Node.LocalApi;
using Nexodus.Mesh.Node.Metrics;
using Nexodus.Mesh.Node.Paths;
using Nexodus.Mesh.Node.Tun;
using Nexodus.Mesh.Node.WireGuard;

namespace Nexodus.Mesh.Node.Agent;

/// <summary>
/// `nexd up`: enrolls (or loads its identity from the state dir), brings up TUN + engine + path manager, follows the
/// netmap stream and applies it. Losing control never tears anything down: the tunnels keep their last map while
/// the stream reconnects with `?revision=` and backoff.
/// </summary>
internal sealed partial class NodeAgent : IAsyncDisposable, ILocalApiSource, IAgentMetricsSource
{
    private readonly AgentOptions _options;
    private readonly TextWriter _out;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly StateStore _store;
    private readonly Lock _sync = new();
    private readonly Dictionary<PublicKey, PeerInfo> _peers = [];
    private readonly Dictionary<PublicKey, string> _printedPaths = [];
    private readonly Firewall _firewall;
    private ControlClient? _control;
    private PrivateKey? _nodeKey;
    private PrivateKey? _discoKey;
    private NodeStateRecord? _record;
    private string? _credential;
    private LinuxTun? _tun;
    private PathManager? _paths;
    private Device? _device;
    private AgentState _state = AgentState.Stopped;
    private string? _reason;
    private PacketFilter _filter = new();
    private LocalReachability? _lastReported;
    private ITimer? _relayWait;
    private ITimer? _networkSettle;

    /// <summary>Quiet time after the last address/link event before endpoints are rediscovered.</summary>
    private static readonly TimeSpan NetworkSettleTime = TimeSpan.FromMilliseconds(500);

    /// <summary>How long the first Running waits for the home relay session.</summary>
    private static readonly TimeSpan HomeRelayWait = TimeSpan.FromSeconds(5);
    private LocalApiServer? _localApi;
    private MetricsServer? _metricsServer;

    public NodeAgent(AgentOptions options, TextWriter output, ILoggerFactory? loggers = null, TimeProvider? time = null)
    {
        _options = options;
        _out = output;
        _loggers = loggers ?? NullLoggerFactory.Instance;
        _logger = _loggers.CreateLogger("nexd.agent");
        _time = time ?? TimeProvider.System;
        _store = new StateStore(options.StateDir);
        _firewall = new Firewall(_time, logger: _loggers.CreateLogger("nexd.filter"));
    }

    public AgentState State => _state;

    public string? Reason => _reason;

    /// <summary>The packet filter currently in force (one reference, swapped atomically).</summary>
    public PacketFilter Filter => Volatile.Read(ref _filter);

    internal Device? Device => _device;

    /// <summary>Enforces <see cref="Filter"/> in the engine; its counters are the filter's drops.</summary>
    internal Firewall Firewall => _firewall;

    internal PathManager? Paths => _paths;

    internal NodeStateRecord? Record => _record;

    /// <summary>Runs until <paramref name="cancel"/>; throws <see cref="AgentExitException"/> for the documented exit codes.</summary>
    public async Task RunAsync(CancellationToken cancel)
    {
        LoadIdentity();
        await StartServingAsync(cancel);
        _control = new ControlClient(_options.ControlUrl, _options.ControlCaPin);
        if (_credential is null)
        {
            await EnrollAsync(cancel);
        }

        BringUp();
        await FollowNetmapAsync(cancel);
    }

    private void LoadIdentity()
    {
        try
        {
            _store.Ensure();
            _nodeKey = _store.LoadOrCreateKey(StateStore.NodeKeyFile);
            _discoKey = _store.LoadOrCreateKey(StateStore.DiscoKeyFile);
            _record = _store.LoadDevice();
            var sealedCredential = _store.LoadSealedCredential();
            if (sealedCredential is not null && _record is null)
            {
                throw new StateDirException($"{Path.Combine(_store.Directory, StateStore.CredentialFile)} exists without {StateStore.DeviceFile}; restore the file or move the state dir {_store.Directory} away to enroll again");
            }

            if (sealedCredential is not null)
            {
                if (!SealedBox.TryOpen(_nodeKey, sealedCredential, out var plain))
                {
                    throw new StateDirException($"{Path.Combine(_store.Directory, StateStore.CredentialFile)} does not open with {StateStore.NodeKeyFile} (keys swapped or file damaged); restore them or move the state dir {_store.Directory} away to enroll again");
                }

                _credential = Encoding.UTF8.GetString(plain);
            }
        }
        catch (StateDirException e)
        {
            throw new AgentExitException(AgentExitException.BadConfig, "state dir: " + e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new AgentExitException(AgentExitException.BadConfig, $"state dir {_store.Directory}: {e.Message}; check the path and permissions");
        }
    }

    private async Task EnrollAsync(CancellationToken cancel)
    {
        string? token = null;
        Guid? vpcId = null;
        if (_options.RegistrationKey is null)
        {
            (token, vpcId) = await LoginAsync(cancel);
        }

        SetState(AgentState.Registering, null);
        EnrollResponse response;
        try
        {
            response = await _control!.EnrollAsync(new EnrollRequest
            {
                NodeKey = _nodeKey!.PublicKey.ToString(),
                DiscoKey = _discoKey!.PublicKey.ToString(),
                Hostname = _options.Hostname,
                Os = "linux",
                RegistrationKey = _options.RegistrationKey,
                VpcId = vpcId,
                RequestedIpv4 = _options.RequestIp,
            }, token, cancel);
        }
        catch (ControlRefusedException e)
        {
            throw new AgentExitException(AgentExitException.Refused, token is null
                ? $"control refused the enrollment ({e.Status}): {e.Message}; check --reg-key (keys can be single-use or expired) or ask an admin for a new one"
                : $"control refused the enrollment ({e.Status}): {e.Message}");
        }
        catch (ControlUnreachableException e)
        {
            throw new AgentExitException(AgentExitException.Unreachable, e.Message + "; check --control and that the control service is running");
        }

        if (!SealedBox.TryOpen(_nodeKey, SafeBase64(response.SealedCredential), out var plain))
        {
            throw new AgentExitException(AgentExitException.Runtime, "control returned a credential that does not open with this node key; is --control the right service?");
        }

        _credential = Encoding.UTF8.GetString(plain);
        _record = new NodeStateRecord
        {
            DeviceId = response.DeviceId,
            VpcId = response.VpcId,
            Hostname = response.Hostname,
            Ipv4 = response.Ipv4,
            Ipv6 = response.Ipv6,
            ControlUrl = _options.ControlUrl.ToString(),
            ListenPort = _options.ListenPort ?? 0,
        };
        _store.SaveDevice(_record);
        _store.SaveSealedCredential(response.SealedCredential);
        Print($"nexd: enrolled as {response.Hostname} {response.Ipv4} {response.Ipv6}");
    }

    private static byte[] SafeBase64(string text)
    {
        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            return [];
        }
    }

    private void SetState(AgentState state, string? reason)
    {
        lock (_sync)
        {
            if (_state == state && _reason == reason)
            {
                return;
            }

            _state = state;
            _reason = reason;
        }

        Print(reason is null || state is AgentState.Running ? $"nexd: state {state}" : $"nexd: state {state} ({reason})");
    }

    private void Print(string line)
    {
        lock (_out)
        {
            _out.WriteLine(line);
            _out.Flush();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _relayWait?.Dispose();
        NetworkChange.NetworkAddressChanged -= OnNetworkAddressChanged;
        _networkSettle?.Dispose();
        if (_localApi is not null)
        {
            await _localApi.DisposeAsync();
        }

        if (_metricsServer is not null)
        {
            await _metricsServer.DisposeAsync();
        }

        if (_device is not null)
        {
            await _device.DisposeAsync(); // closes the TUN (removes the interface) and the bind
        }
        else if (_tun is not null)
        {
            await _tun.DisposeAsync();
        }

        if (_paths is not null && _device is null)
        {
            await _paths.DisposeAsync();
        }

        _control?.Dispose();
        _nodeKey?.Dispose();
        _discoKey?.Dispose();
        _state = AgentState.Stopped;
    }

    private static IPNetwork HostPrefix(IPAddress address) =>
        new(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
}
