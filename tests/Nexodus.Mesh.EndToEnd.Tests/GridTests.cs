using System.Globalization;
using System.Text;
using Nexodus.Mesh.TestDoubles;
using Xunit.Abstractions;

namespace Nexodus.Mesh.EndToEnd.Tests;

/// <summary>
/// Issue #6's grid: two real nodes behind every pair of router behaviours (plus same LAN, public, CGNAT, UDP
/// blocked) reach each other — ping both ways and 1 MB over TCP with a checksum — on the path the hole-punch model
/// predicts: direct where a punch can open the filters, the relay (over TLS) otherwise.
/// </summary>
[Collection(MeshCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class GridTests(MeshLab mesh, ReportSink report, ITestOutputHelper output) : IClassFixture<ReportSink>
{
    private const int TransferBytes = 1024 * 1024;

    [RootFact]
    public async Task Grid_EveryCell_ReachesPeerOnPredictedPath()
    {
        var checks = await Task.WhenAll(mesh.Results.Select(CheckAsync));
        var table = Render(checks);
        report.Print(output, table);
        var failures = checks.Where(c => c.Problem is not null).Select(c => $"{c.Result.Cell.Name}: {c.Problem}").ToList();
        Assert.True(failures.Count == 0, string.Join("\n", failures) + "\n" + table + "\n" + Diagnostics(checks));
    }

    private async Task<CellCheck> CheckAsync(CellResult r)
    {
        var cell = r.Cell;
        var a = mesh.Grid[cell.A];
        var b = mesh.Grid[cell.B];
        if (r.Error is not null)
        {
            return new CellCheck(r, "-", "-", r.Error);
        }

        var there = await TunnelProbe.FirstPingAsync(a.Host, b.TunnelIp!, TimeSpan.FromSeconds(10));
        var back = await TunnelProbe.FirstPingAsync(b.Host, a.TunnelIp!, TimeSpan.FromSeconds(10));
        var transfer = await TunnelProbe.TransferAsync(a.Host, b.Host, b.TunnelIp!, TransferBytes, TimeSpan.FromSeconds(60));
        var pathA = a.PathTo(cell.B) ?? "none printed";
        var pathB = b.PathTo(cell.A) ?? "none printed";
        string? problem = null;
        if (there is null)
        {
            problem = $"no ping reply {cell.A} -> {cell.B}";
        }
        else if (back is null)
        {
            problem = $"no ping reply {cell.B} -> {cell.A}";
        }
        else if (!transfer.Ok)
        {
            problem = "TCP transfer: " + transfer.Detail;
        }
        else if (cell.ExpectDirect && (r.ToDirect is null || !pathA.StartsWith("direct", StringComparison.Ordinal)))
        {
            problem = $"expected direct, {cell.A} reports '{pathA}'";
        }
        else if (!cell.ExpectDirect && (a.FirstAt(l => l.StartsWith($"nexd: peer {cell.B} path direct", StringComparison.Ordinal)) is not null
            || !pathA.StartsWith("relay", StringComparison.Ordinal)))
        {
            problem = $"expected relay only, {cell.A} reports '{pathA}' (ever direct: {r.ToDirect is not null})";
        }

        else if (cell.Name.StartsWith("udp-blocked", StringComparison.Ordinal) && !a.Process.Output.Contains("udp blocked True", StringComparison.Ordinal))
        {
            // The relay path must be the agent's conclusion from STUN getting no answer, not an accident.
            problem = $"{cell.A} never concluded that UDP is blocked";
        }

        return new CellCheck(r, pathA, pathB, problem);
    }

    private static string Render(IEnumerable<CellCheck> checks)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"{"cell",-28} {"expected",-8} {"path (A's view)",-28} {"1st packet",10} {"to direct",10}  result");
        foreach (var c in checks)
        {
            var r = c.Result;
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"{r.Cell.Name,-28} {(r.Cell.ExpectDirect ? "direct" : "relay"),-8} {Shorten(c.PathA),-28} {Ms(r.FirstPacket),10} {Ms(r.ToDirect),10}  {(c.Problem is null ? "ok" : "FAIL")}");
        }

        return sb.ToString();
    }

    private static string Shorten(string path) => path.StartsWith("direct ", StringComparison.Ordinal) ? path : path;

    private static string Ms(TimeSpan? t) => t is { } v ? v.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) + " ms" : "-";

    private string Diagnostics(IEnumerable<CellCheck> checks)
    {
        var sb = new StringBuilder();
        foreach (var c in checks.Where(c => c.Problem is not null).Take(3))
        {
            sb.AppendLine($"---- {c.Result.Cell.A} output:").AppendLine(mesh.Grid[c.Result.Cell.A].Process.Output);
        }

        return sb.ToString();
    }

    private sealed record CellCheck(CellResult Result, string PathA, string PathB, string? Problem);
}
