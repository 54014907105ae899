using System.Text;
using Nexodus.Mesh.TestDoubles;
using Xunit.Abstractions;

namespace Nexodus.Mesh.EndToEnd.Tests;

/// <summary>
/// The relay never sees plaintext, end to end: between two nodes behind symmetric NATs (relay only), a marker sent
/// through the tunnel must not appear on the relay host's wire, while the capture shows the tunnel's bytes went by.
/// </summary>
[Collection(MeshCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class RelayCaptureTests(MeshLab mesh, ReportSink report, ITestOutputHelper output) : IClassFixture<ReportSink>
{
    [RootFact]
    public async Task RelayedTransfer_CaptureOnRelayLink_NoPlaintextMarker()
    {
        var a = mesh.Grid[MeshLab.Site("apdm-apdf", 1)];
        var b = mesh.Grid[MeshLab.Site("apdm-apdf", 2)];
        Assert.StartsWith("relay", a.PathTo(b.Hostname));
        var marker = "NEXODUS-PLAINTEXT-MARKER-" + Guid.NewGuid().ToString("N");
        var payload = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(marker + "\n", 4000)));

        await using var capture = await mesh.Control.Host.CaptureAsync(filter: $"tcp port {LabControl.RelayPort} and host {mesh.Control.RelayAddress}");
        var transfer = await TunnelProbe.TransferAsync(a.Host, b.Host, b.TunnelIp!, payload, TimeSpan.FromSeconds(60));
        var text = await capture.StopAndReadTextAsync(withPayload: true);
        var pcap = await File.ReadAllBytesAsync(capture.FilePath);

        Assert.True(transfer.Ok, transfer.Detail);
        report.Print(output, $"relay link capture: {pcap.Length} bytes of pcap for a {payload.Length}-byte marker transfer; marker found: {text.Contains(marker, StringComparison.Ordinal)}");
        // The capture must have seen the transfer pass (else "no marker" would prove nothing).
        Assert.True(pcap.Length > payload.Length, $"capture holds {pcap.Length} bytes, less than the {payload.Length} bytes sent through the relay");
        Assert.DoesNotContain(marker, text, StringComparison.Ordinal);
        Assert.Equal(-1, pcap.AsSpan().IndexOf(Encoding.ASCII.GetBytes(marker)));
        Assert.Equal(-1, pcap.AsSpan().IndexOf(Encoding.ASCII.GetBytes("NEXODUS-PLAINTEXT-MARKER")));
    }
}
