using System.Net;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Nexodus.Mesh.Node.Agent;
using Nexodus.Mesh.Node.Metrics;

namespace Nexodus.Mesh.Node.Nexd;

/// <summary>`nexd up`: validates arguments, runs the <see cref="NodeAgent"/> until SIGINT/SIGTERM, maps failures to exit codes.</summary>
internal static class UpRunner
{
    public sealed record Arguments(
        string? Control, string? RegKey, string? Hostname, string StateDir, string? RequestIp, string Interface,
        int? ListenPort, string LocalApi, string? Metrics, string? ControlCaPin, bool Verbose, string? Vpc = null);

    public static async Task<int> RunAsync(Arguments args, CancellationToken cancel)
    {
        if (!Uri.TryCreate(args.Control, UriKind.Absolute, out var control) || (control.Scheme != Uri.UriSchemeHttp && control.Scheme != Uri.UriSchemeHttps))
        {
            return Fail(AgentExitException.BadConfig, "--control must be an http(s) URL of the control service, e.g. https://control.example.com");
        }

        if (args.Interface.Length is 0 or > 15 || args.Interface.Contains('/', StringComparison.Ordinal))
        {
            return Fail(AgentExitException.BadConfig, "--interface must be 1 to 15 characters without '/'");
        }

        if (args.ListenPort is < 0 or > 65535)
        {
            return Fail(AgentExitException.BadConfig, "--listen-port must be 0..65535");
        }

        if (args.RequestIp is not null && !IPAddress.TryParse(args.RequestIp, out _))
        {
            return Fail(AgentExitException.BadConfig, "--request-ip must be an IPv4 address inside the VPC range");
        }

        if (args.ControlCaPin is { } pin && (pin.Replace(":", "", StringComparison.Ordinal).Length != 64 || !IsHex(pin.Replace(":", "", StringComparison.Ordinal))))
        {
            return Fail(AgentExitException.BadConfig, "--control-ca-pin must be the SHA-256 of control's certificate as 64 hex digits");
        }

        if (args.LocalApi.Length == 0 || args.LocalApi.Contains('\0', StringComparison.Ordinal))
        {
            return Fail(AgentExitException.BadConfig, "--local-api must be a socket path (default /run/nexodus/nexd.sock) or 'off'");
        }

        IPEndPoint? metrics = null;
        if (args.Metrics is not null && !MetricsServer.TryParseEndpoint(args.Metrics, out metrics, out var metricsError))
        {
            return Fail(AgentExitException.BadConfig, metricsError);
        }

        using var loggerFactory = LoggerFactory.Create(b => b
            .AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; })
            .AddFilter((category, level) => level >= (args.Verbose ? LogLevel.Debug : LogLevel.Warning))
            .SetMinimumLevel(args.Verbose ? LogLevel.Debug : LogLevel.Warning));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => RequestStop(c, stop));
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => RequestStop(c, stop));

        var agent = new NodeAgent(new AgentOptions
        {
            ControlUrl = control,
            RegistrationKey = args.RegKey,
            Vpc = args.Vpc,
            Hostname = args.Hostname ?? Environment.MachineName,
            StateDir = args.StateDir,
            RequestIp = args.RequestIp,
            Interface = args.Interface,
            ListenPort = args.ListenPort,
            ControlCaPin = args.ControlCaPin,
            LocalApiPath = args.LocalApi == "off" ? null : args.LocalApi,
            MetricsEndpoint = metrics,
        }, Console.Out, loggerFactory);
        try
        {
            await agent.RunAsync(stop.Token);
            return 0;
        }
        catch (AgentExitException e)
        {
            return Fail(e.ExitCode, e.Message);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return 0;
        }
        finally
        {
            await agent.DisposeAsync();
            Console.Out.WriteLine("nexd: state Stopped");
        }
    }

    /// <summary>
    /// A signal handler runs on its own thread, and System.CommandLine handles the same signal by cancelling
    /// <c>cancel</c> (linked into <paramref name="stop"/>). When that ran first, the agent may have stopped and
    /// <paramref name="stop"/> been disposed before this handler runs; cancelling it then threw on the handler's
    /// thread and aborted the process (exit 134) after a clean shutdown.
    /// </summary>
    private static void RequestStop(PosixSignalContext context, CancellationTokenSource stop)
    {
        context.Cancel = true;
        try
        {
            stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already stopped.
        }
    }

    private static bool IsHex(string s)
    {
        foreach (var c in s)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private static int Fail(int code, string message)
    {
        Console.Out.WriteLine("nexd: error: " + message);
        Console.Out.Flush();
        return code;
    }
}
