using System.Net;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Nexodus.Mesh.Node.Tun;
using Nexodus.Mesh.Node.Uapi;
using Nexodus.Mesh.Node.WireGuard;

namespace Nexodus.Mesh.Node.Nexd;

/// <summary>`nexd tunnel`: TUN + UDP bind + engine + UAPI, configured from a wg-quick file, until a signal.</summary>
internal static class TunnelRunner
{
    public const int ExitOk = 0;
    public const int ExitRuntime = 1;
    public const int ExitBadConfig = 2;

    public static async Task<int> RunAsync(string name, FileInfo? configFile, bool verbose, CancellationToken cancel)
    {
        TunnelConfig config;
        try
        {
            config = configFile is null ? new TunnelConfig() : TunnelConfigParser.Parse(await File.ReadAllTextAsync(configFile.FullName, cancel));
        }
        catch (ConfigException e)
        {
            await Console.Error.WriteLineAsync($"nexd: {configFile!.FullName}: {e.Message}");
            return ExitBadConfig;
        }
        catch (IOException e)
        {
            await Console.Error.WriteLineAsync($"nexd: cannot read config: {e.Message}");
            return ExitBadConfig;
        }

        if (name.Length is 0 or > 15 || name.Contains('/', StringComparison.Ordinal))
        {
            await Console.Error.WriteLineAsync("nexd: --interface must be 1 to 15 characters without '/'");
            return ExitBadConfig;
        }

        using var loggerFactory = LoggerFactory.Create(b => b
            .AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; })
            .SetMinimumLevel(verbose ? LogLevel.Debug : LogLevel.Information));
        var logger = loggerFactory.CreateLogger("nexd.tunnel");

        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.TrySetResult(); });
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult(); });
        using var reg = cancel.Register(() => stop.TrySetResult());

        LinuxTun tun;
        try
        {
            tun = LinuxTun.Create(name, config.Mtu ?? 1420);
            foreach (var address in config.Addresses)
            {
                tun.AddAddress(address);
            }
        }
        catch (IOException e)
        {
            logger.LogError("cannot create interface {Name}: {Error}", name, e.Message);
            return ExitRuntime;
        }

        var device = new Device(tun, new UdpBind(), TimeProvider.System, loggerFactory.CreateLogger("nexd.wireguard"));
        UapiServer? uapi = null;
        try
        {
            device.SetPrivateKey(config.PrivateKey);
            device.SetListenPort(config.ListenPort ?? 0);
            foreach (var pc in config.Peers)
            {
                var peer = device.AddPeer(pc.PublicKey);
                if (pc.PresharedKey is not null)
                {
                    peer.SetPresharedKey(pc.PresharedKey);
                }

                peer.SetEndpoint(pc.Endpoint);
                foreach (var prefix in pc.AllowedIps)
                {
                    device.AddAllowedIp(peer, prefix);
                }

                peer.SetPersistentKeepalive(pc.PersistentKeepalive);
            }

            device.Up();
            foreach (var pc in config.Peers)
            {
                foreach (var prefix in pc.AllowedIps)
                {
                    AddRoute(tun, prefix, logger);
                }
            }

            uapi = UapiServer.Start(name, device, loggerFactory.CreateLogger("nexd.uapi"));
            logger.LogInformation("interface {Name} up: listen port {Port}, {Peers} peer(s), UAPI at {Socket}", name, device.ListenPort, config.Peers.Count, uapi.SocketPath);
            await stop.Task;
            logger.LogInformation("shutting down {Name}", name);
            return ExitOk;
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or ArgumentException)
        {
            logger.LogError("tunnel {Name} failed: {Error}", name, e.Message);
            return ExitRuntime;
        }
        finally
        {
            if (uapi is not null)
            {
                await uapi.DisposeAsync();
            }

            await device.DisposeAsync(); // closes the TUN fd, which removes the interface
            config.PrivateKey?.Dispose();
        }
    }

    private static void AddRoute(LinuxTun tun, IPNetwork prefix, ILogger logger)
    {
        if (prefix.PrefixLength == 0)
        {
            // A default route through the tunnel needs policy routing (wg-quick's fwmark dance); not for a bare tunnel.
            logger.LogWarning("not routing {Prefix} via {Name}: default routes need policy routing; add it yourself", prefix, tun.Name);
            return;
        }

        try
        {
            tun.AddRoute(prefix);
        }
        catch (IOException e)
        {
            logger.LogWarning("route {Prefix} via {Name}: {Error}", prefix, tun.Name, e.Message);
        }
    }
}
