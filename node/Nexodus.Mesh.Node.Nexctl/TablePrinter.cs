using System.Globalization;
using Nexodus.Mesh.Node.LocalApi;
using Spectre.Console;

namespace Nexodus.Mesh.Node.Nexctl;

/// <summary>Human output: a key/value grid for status, one row per peer for peers (no colour when piped).</summary>
internal static class TablePrinter
{
    public static void Status(StatusResponse s, TextWriter output)
    {
        var grid = new Grid().AddColumn(new GridColumn().NoWrap().PadRight(2)).AddColumn();
        Row(grid, "State", s.Reason is null ? s.State : $"{s.State} ({s.Reason})");
        Row(grid, "Hostname", s.Hostname);
        Row(grid, "Addresses", Join(s.Addresses));
        Row(grid, "VPC", s.VpcId?.ToString());
        Row(grid, "Device", s.DeviceId?.ToString());
        Row(grid, "Node key", s.NodeKey);
        Row(grid, "Interface", s.ListenPort is { } port ? $"{s.Interface} (UDP {port})" : s.Interface);
        var contact = s.LastControlContact is { } t ? $", last contact {Ago(t)}" : "";
        Row(grid, "Control", $"{s.Control} ({(s.ControlReachable ? "connected" : "not connected")}{contact})");
        Row(grid, "Netmap", $"revision {s.LastNetmapRevision}");
        foreach (var r in s.Relays)
        {
            var latency = r.LatencyMs is { } ms ? $", {ms:0.0} ms" : "";
            var error = r.Connected || r.LastError is null ? "" : $" ({r.LastError})";
            Row(grid, r.Home ? "Relay (home)" : "Relay", $"region {r.Region} {r.Code} {r.Url}: {(r.Connected ? "connected" : "not connected")}{latency}{error}");
        }

        if (s.Relays.Count == 0)
        {
            Row(grid, "Relay", "none connected");
        }

        Row(grid, "Endpoints", Join(s.Endpoints));
        Row(grid, "NAT", s.UdpBlocked ? "UDP blocked (relay only)" : $"mapping {Or(s.NatMapping)}, filtering {Or(s.NatFiltering)}");
        Row(grid, "Version", s.Version);
        Write(grid, output);
    }

    public static void Peers(IReadOnlyList<PeerResponse> peers, TextWriter output)
    {
        if (peers.Count == 0)
        {
            output.WriteLine("no peers");
            return;
        }

        var table = new Table().Border(TableBorder.Simple)
            .AddColumns("HOST", "ADDRESS", "ONLINE", "PATH", "LATENCY", "HANDSHAKE", "RX", "TX", "NOT DIRECT BECAUSE");
        foreach (var p in peers)
        {
            var path = p.PathKind switch
            {
                "direct" => "direct " + p.Endpoint,
                "relay" => "relay region " + p.RelayRegion?.ToString(CultureInfo.InvariantCulture),
                _ => p.PathKind,
            };
            table.AddRow(
                Text(p.Hostname), Text(p.Addresses.Count > 0 ? p.Addresses[0] : "-"), Text(p.Online ? "yes" : "no"), Text(path),
                Text(p.LatencyMs is { } ms ? $"{ms:0.0} ms" : "-"), Text(p.LastHandshake is { } h ? Ago(h) : "never"),
                Text(Bytes(p.RxBytes)), Text(Bytes(p.TxBytes)), Text(p.NotDirectReason ?? "-"));
        }

        Write(table, output);
    }

    /// <summary>
    /// Renders without colour at a fixed generous width, then trims the padding Spectre adds, so piped output is plain
    /// lines a script can grep and a terminal shows as a table.
    /// </summary>
    private static void Write(Spectre.Console.Rendering.IRenderable renderable, TextWriter output)
    {
        using var buffer = new StringWriter(CultureInfo.InvariantCulture);
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(buffer),
        });
        console.Profile.Width = 240;
        console.Write(renderable);
        var lines = buffer.ToString().Split('\n').Select(l => l.TrimEnd()).ToList();
        while (lines.Count > 0 && lines[0].Length == 0)
        {
            lines.RemoveAt(0);
        }

        while (lines.Count > 0 && lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }

        foreach (var line in lines)
        {
            output.WriteLine(line);
        }
    }

    private static void Row(Grid grid, string key, string? value) => grid.AddRow(Text(key), Text(string.IsNullOrEmpty(value) ? "-" : value));

    private static Text Text(string value) => new(value);

    private static string Join(IReadOnlyList<string> items) => items.Count == 0 ? "-" : string.Join(", ", items);

    private static string Or(string value) => value.Length == 0 ? "unknown" : value;

    private static string Ago(DateTimeOffset time)
    {
        var age = DateTimeOffset.UtcNow - time;
        return age.TotalSeconds < 1 ? "just now" : age.TotalMinutes < 2 ? $"{age.TotalSeconds:0} s ago" : age.TotalHours < 2 ? $"{age.TotalMinutes:0} min ago" : time.ToString("u", CultureInfo.InvariantCulture);
    }

    private static string Bytes(long n) => n switch
    {
        < 1024 => $"{n} B",
        < 1024 * 1024 => $"{n / 1024.0:0.0} KiB",
        < 1024L * 1024 * 1024 => $"{n / (1024.0 * 1024):0.0} MiB",
        _ => $"{n / (1024.0 * 1024 * 1024):0.00} GiB",
    };
}
