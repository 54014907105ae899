using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Nexodus.Mesh.Stun.Client;

namespace Nexodus.Mesh.Stun.Cli;

/// <summary>Runs RFC 5780 discovery from a fresh UDP socket and prints the result.</summary>
internal static class ProbeCommand
{
    public static async Task<int> RunAsync(ProbeArguments args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (!EndPointParsing.TryParseServer(args.Server, out var host, out var port, out var parseError))
        {
            await error.WriteLineAsync("error: " + parseError);
            return 1;
        }

        IPAddress address;
        if (!IPAddress.TryParse(host, out address!))
        {
            try
            {
                var addresses = await Dns.GetHostAddressesAsync(host, cancellationToken);
                address = Array.Find(addresses, a => a.AddressFamily == AddressFamily.InterNetwork)
                    ?? Array.Find(addresses, a => a.AddressFamily == AddressFamily.InterNetworkV6)
                    ?? throw new SocketException((int)SocketError.HostNotFound);
            }
            catch (SocketException e)
            {
                await error.WriteLineAsync($"error: cannot resolve '{host}': {e.Message}");
                return 1;
            }
        }

        var server = new IPEndPoint(address, port);
        var local = args.Local ?? new IPEndPoint(address.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        if (local.AddressFamily != server.AddressFamily)
        {
            await error.WriteLineAsync($"error: --local {local} and the server {server} are different address families");
            return 1;
        }

        StunUdpClient udp;
        try
        {
            udp = StunUdpClient.Bind(local);
        }
        catch (SocketException e)
        {
            await error.WriteLineAsync($"error: cannot bind {local}: {e.Message}");
            return 1;
        }

        await using (udp)
        {
            var discovery = new NatBehaviorDiscovery(udp.Client, new NatBehaviorDiscoveryOptions
            {
                Binding = StunRetransmissionOptions.Default with { TotalTimeout = args.Timeout },
                TestHairpinning = args.TestHairpinning,
            });
            var report = await discovery.DiscoverAsync(server, udp.LocalEndPoint, cancellationToken);
            await output.WriteAsync(args.Json ? ToJson(report) : ToText(report));
            await output.FlushAsync(cancellationToken);
            return report.UdpBlocked ? StunCommandLine.ExitNoUdp : 0;
        }
    }

    internal static string ToText(NatBehaviorReport report)
    {
        var text = new StringBuilder();
        if (report.UdpBlocked)
        {
            text.AppendLine($"no UDP: {string.Join("; ", report.Notes)}");
            return text.ToString();
        }

        text.AppendLine($"server:          {report.Server}");
        text.AppendLine($"local address:   {report.LocalEndPoint}");
        text.AppendLine($"mapped address:  {report.MappedAddress}");
        text.AppendLine($"behind NAT:      {YesNo(report.BehindNat)}");
        text.AppendLine($"mapping:         {report.Mapping.ShortName()} ({report.Mapping.Describe()})");
        text.AppendLine($"filtering:       {report.Filtering.ShortName()} ({report.Filtering.Describe()})");
        text.AppendLine($"hairpinning:     {YesNo(report.Hairpinning)}");
        foreach (var note in report.Notes)
        {
            text.AppendLine($"note: {note}");
        }

        return text.ToString();
    }

    internal static string ToJson(NatBehaviorReport report)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("server", report.Server.ToString());
            json.WriteBoolean("udp", !report.UdpBlocked);
            WriteNullable(json, "localAddress", report.LocalEndPoint?.ToString());
            WriteNullable(json, "mappedAddress", report.MappedAddress?.ToString());
            WriteNullable(json, "behindNat", report.BehindNat);
            json.WriteString("mapping", report.Mapping.ShortName());
            json.WriteString("filtering", report.Filtering.ShortName());
            WriteNullable(json, "hairpinning", report.Hairpinning);
            WriteNullable(json, "otherAddress", report.OtherAddress?.ToString());
            json.WriteStartArray("notes");
            foreach (var note in report.Notes)
            {
                json.WriteStringValue(note);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + Environment.NewLine;
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, bool? value)
    {
        if (value is { } v)
        {
            json.WriteBoolean(name, v);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static string YesNo(bool? value) => value switch
    {
        true => "yes",
        false => "no",
        null => "unknown",
    };
}
