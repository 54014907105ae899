using System.CommandLine;
using System.CommandLine.Parsing;
using System.Net;

namespace Nexodus.Mesh.Stun.Cli;

/// <summary>
/// <c>nexodus-stun [--listen IP:PORT] [--alternate-ip IP] [--alternate-port PORT] [--metrics IP:PORT]</c> runs
/// the server; <c>nexodus-stun probe SERVER[:PORT] [--json] [--timeout 5s]</c> runs NAT behaviour discovery.
/// </summary>
internal static class StunCommandLine
{
    /// <summary>Exit code of <c>probe</c> when no answer arrived ("no UDP"); parse errors exit 1.</summary>
    public const int ExitNoUdp = 3;

    public static RootCommand Build()
    {
        var listen = new Option<IPEndPoint>("--listen", "-l")
        {
            Description = "Primary address and port to answer STUN on",
            DefaultValueFactory = _ => new IPEndPoint(IPAddress.Any, 3478),
            CustomParser = ParseIpEndPoint,
        };
        var alternateIp = new Option<IPAddress?>("--alternate-ip")
        {
            Description = "Second IP address of this host; with --alternate-port enables RFC 5780 NAT behaviour discovery",
            CustomParser = ParseIpAddress,
        };
        var alternatePort = new Option<int?>("--alternate-port")
        {
            Description = "Second port (1-65535); with --alternate-ip enables RFC 5780 NAT behaviour discovery",
            CustomParser = ParsePort,
        };
        var metrics = new Option<IPEndPoint?>("--metrics")
        {
            Description = "Serve Prometheus metrics on http://IP:PORT/metrics",
            CustomParser = ParseIpEndPoint,
        };
        var software = new Option<string>("--software")
        {
            Description = "SOFTWARE attribute of every answer (empty to omit)",
            DefaultValueFactory = _ => "Nexodus.Mesh.Stun",
        };

        var root = new RootCommand("Nexodus.Mesh STUN server (RFC 8489, RFC 5780, RFC 3489 clients) and NAT behaviour probe")
        {
            listen, alternateIp, alternatePort, metrics, software,
        };
        root.SetAction((parse, ct) => ServeCommand.RunAsync(
            new ServeArguments(parse.GetValue(listen)!, parse.GetValue(alternateIp), parse.GetValue(alternatePort), parse.GetValue(metrics), parse.GetValue(software) ?? ""),
            parse.InvocationConfiguration.Output,
            parse.InvocationConfiguration.Error,
            ct));

        var server = new Argument<string>("server") { Description = "STUN server: HOST, HOST:PORT or [IPv6]:PORT (default port 3478)" };
        server.Validators.Add(result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (!EndPointParsing.TryParseServer(text, out _, out _, out var error))
            {
                result.AddError(error);
            }
        });
        var json = new Option<bool>("--json") { Description = "Print the result as JSON" };
        var timeout = new Option<TimeSpan>("--timeout", "-t")
        {
            Description = "How long to wait for the first answer before reporting \"no UDP\" (e.g. 5s, 1500ms)",
            DefaultValueFactory = _ => TimeSpan.FromSeconds(5),
            CustomParser = ParseDuration,
        };
        var local = new Option<IPEndPoint?>("--local")
        {
            Description = "Local address to send from (default: any address, any port)",
            CustomParser = ParseIpEndPoint,
        };
        var noHairpin = new Option<bool>("--no-hairpin") { Description = "Skip the hairpinning test" };
        var probe = new Command("probe", "Find this host's reflexive address and its NAT's mapping, filtering and hairpinning behaviour")
        {
            server, json, timeout, local, noHairpin,
        };
        probe.SetAction((parse, ct) => ProbeCommand.RunAsync(
            new ProbeArguments(parse.GetValue(server)!, parse.GetValue(json), parse.GetValue(timeout), parse.GetValue(local), !parse.GetValue(noHairpin)),
            parse.InvocationConfiguration.Output,
            parse.InvocationConfiguration.Error,
            ct));
        root.Subcommands.Add(probe);
        return root;
    }

    private static IPEndPoint? ParseIpEndPoint(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (EndPointParsing.TryParseIpEndPoint(text, out var endPoint, out var error))
        {
            return endPoint;
        }

        result.AddError($"{OptionName(result)}: {error}");
        return null;
    }

    private static IPAddress? ParseIpAddress(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (IPAddress.TryParse(text, out var address))
        {
            return address;
        }

        result.AddError($"{OptionName(result)}: '{text}' is not an IP address (example: 192.0.2.2)");
        return null;
    }

    private static int? ParsePort(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535)
        {
            return port;
        }

        result.AddError($"{OptionName(result)}: '{text}' is not a port (1-65535)");
        return null;
    }

    private static TimeSpan ParseDuration(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (EndPointParsing.TryParseDuration(text, out var duration))
        {
            return duration;
        }

        result.AddError($"{OptionName(result)}: '{text}' is not a duration between 1 ms and 1 h (examples: 5s, 1500ms, 2)");
        return default;
    }

    private static string OptionName(ArgumentResult result) =>
        result.Parent is OptionResult option ? option.Option.Name : result.Argument.Name;
}
