using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Nexodus.Mesh.Stun.Server;
using Prometheus;

namespace Nexodus.Mesh.Stun.Cli;

/// <summary>Runs the server until Ctrl+C / SIGTERM.</summary>
internal static class ServeCommand
{
    public static async Task<int> RunAsync(ServeArguments args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var options = new StunServerOptions
        {
            Listen = args.Listen,
            AlternateIp = args.AlternateIp,
            AlternatePort = args.AlternatePort,
            Software = args.Software,
        };
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            foreach (var problem in problems)
            {
                await error.WriteLineAsync("error: " + CliNames(problem));
            }

            return 1;
        }

        if ((args.AlternateIp is null) != (args.AlternatePort is null))
        {
            await error.WriteLineAsync("note: RFC 5780 NAT behaviour discovery needs both --alternate-ip and --alternate-port; answering with what is configured");
        }

        using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information));
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var metrics = new StunServerMetrics(registry);
        var server = new StunServer(options, metrics, loggerFactory.CreateLogger<StunServer>());
        await using (server)
        {
            try
            {
                server.Start();
            }
            catch (SocketException e)
            {
                await error.WriteLineAsync($"error: cannot listen on {Describe(options)}: {e.Message}. Is another STUN server running, or is the address not on this host?");
                return 1;
            }

            MetricServer? metricServer = null;
            if (args.Metrics is { } metricsEndPoint)
            {
                try
                {
                    var host = metricsEndPoint.Address.Equals(IPAddress.Any) || metricsEndPoint.Address.Equals(IPAddress.IPv6Any)
                        ? "+"
                        : metricsEndPoint.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{metricsEndPoint.Address}]" : metricsEndPoint.Address.ToString();
                    metricServer = new MetricServer(host, metricsEndPoint.Port, "metrics/", registry);
                    metricServer.Start();
                }
                catch (Exception e) when (e is System.Net.HttpListenerException or InvalidOperationException or SocketException)
                {
                    await error.WriteLineAsync($"error: cannot serve metrics on {metricsEndPoint}: {e.Message}");
                    return 1;
                }
            }

            await output.WriteLineAsync($"nexodus-stun listening on {Describe(options, server)}{(server.SupportsBehaviorDiscovery ? " (RFC 5780 behaviour discovery enabled)" : "")}");
            if (metricServer is not null)
            {
                await output.WriteLineAsync($"metrics on http://{args.Metrics}/metrics");
            }

            await output.FlushAsync(cancellationToken);
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C / SIGTERM
            }

            if (metricServer is not null)
            {
                await metricServer.StopAsync();
            }
        }

        return 0;
    }

    private static string CliNames(string problem) => problem
        .Replace("AlternateIp:", "--alternate-ip:", StringComparison.Ordinal)
        .Replace("AlternatePort:", "--alternate-port:", StringComparison.Ordinal)
        .Replace("Listen:", "--listen:", StringComparison.Ordinal)
        .Replace("Software:", "--software:", StringComparison.Ordinal);

    private static string Describe(StunServerOptions options) => options.Listen.ToString();

    private static string Describe(StunServerOptions options, StunServer server)
    {
        var parts = new List<string>();
        foreach (var role in Enum.GetValues<StunSocketRole>())
        {
            if (server.GetLocalEndPoint(role) is { } ep)
            {
                parts.Add(ep.ToString());
            }
        }

        return parts.Count > 0 ? string.Join(", ", parts) : Describe(options);
    }
}
