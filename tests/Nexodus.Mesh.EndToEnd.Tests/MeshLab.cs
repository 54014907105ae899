using System.Net;
using Nexodus.Mesh.Netsim;
using Nexodus.Mesh.Netsim.Scenarios;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Nexodus.Mesh.EndToEnd.Tests;

/// <summary>
/// The simulated internet of the mesh collection: the real `nexodus-control` (embedded TLS relay on 443 and STUN on
/// 3478) on a public host, two sites behind a router of each of the five NAT behaviours, a public host, a host behind
/// CGNAT, one behind a UDP-blocking firewall and two on one LAN — each running a real `nexd up`, all started at once
/// and measured in parallel (<see cref="Results"/>). Spare hosts (cut, roaming, revocation, bad input, timings) are
/// for tests that start their own nodes in their own VPC, so no test depends on another's order or leftovers.
/// </summary>
public sealed class MeshLab : IAsyncLifetime
{
    /// <summary>The five router behaviours (RFC 4787), by scenario short name.</summary>
    internal static readonly string[] NatTypes = ["eim-eif", "eim-adf", "eim-apdf", "adm-adf", "apdm-apdf"];

    private readonly IMessageSink _sink;
    private readonly List<NexdNode> _nodes = [];

    public MeshLab(IMessageSink sink)
    {
        _sink = sink;
    }

    internal Lab Lab { get; private set; } = null!;

    internal LabControl Control { get; private set; } = null!;

    internal Guid GridVpc { get; private set; }

    internal IReadOnlyDictionary<string, NexdNode> Grid { get; private set; } = new Dictionary<string, NexdNode>();

    internal IReadOnlyList<GridCell> Cells { get; } = BuildCells();

    internal IReadOnlyList<CellResult> Results { get; private set; } = [];

    /// <summary>How long from the first nexd start until every grid node printed Running.</summary>
    internal TimeSpan AllRunningAfter { get; private set; }

    /// <summary>Lab host name of a NAT site: "eimapdf1" for ("eim-apdf", 1).</summary>
    internal static string Site(string nat, int n) => nat.Replace("-", "", StringComparison.Ordinal) + n;

    private static List<GridCell> BuildCells()
    {
        var cells = new List<GridCell>();
        for (var i = 0; i < NatTypes.Length; i++)
        {
            for (var j = i; j < NatTypes.Length; j++)
            {
                var a = NatSpec.Parse(NatTypes[i]);
                var b = NatSpec.Parse(NatTypes[j]);
                cells.Add(new GridCell($"{NatTypes[i]} x {NatTypes[j]}", Site(NatTypes[i], 1), Site(NatTypes[j], i == j ? 2 : 1), HolePunch.Predict(a, b)));
            }
        }

        // Outside view of the CGNAT host: EIM (both layers EIM) with the stricter filtering of the two (APDF).
        var cgnat = NatSpec.PortRestrictedCone;
        var open = new NatSpec(MappingBehavior.None, FilteringBehavior.None, false, NatSpec.DefaultMappingTimeout);
        cells.Add(new GridCell("same LAN (eim-apdf router)", "lan1", "lan2", true));
        cells.Add(new GridCell("public x apdm-apdf", "pub", Site("apdm-apdf", 1), HolePunch.Predict(open, NatSpec.Symmetric)));
        cells.Add(new GridCell("public x eim-apdf", "pub", Site("eim-apdf", 2), HolePunch.Predict(open, NatSpec.PortRestrictedCone)));
        cells.Add(new GridCell("cgnat x eim-apdf", "cgn", Site("eim-apdf", 2), HolePunch.Predict(cgnat, NatSpec.PortRestrictedCone)));
        cells.Add(new GridCell("cgnat x apdm-apdf", "cgn", Site("apdm-apdf", 2), HolePunch.Predict(cgnat, NatSpec.Symmetric)));
        cells.Add(new GridCell("cgnat x public", "cgn", "pub", HolePunch.Predict(cgnat, open)));
        cells.Add(new GridCell("udp-blocked x public", "blocked", "pub", false));
        cells.Add(new GridCell("udp-blocked x eim-eif", "blocked", Site("eim-eif", 2), false));
        return cells;
    }

    internal static Scenario BuildScenario()
    {
        var b = new ScenarioBuilder("e2emesh")
            .Network("internet", "203.0.113.0/24")
            .Host("ctrl", "internet", IPAddress.Parse("203.0.113.10"), IPAddress.Parse("203.0.113.11"));
        var subnet = 1;
        void Site(string host, NatSpec nat, FirewallMode firewall = FirewallMode.None)
        {
            b.Network("n" + host, $"10.{subnet++}.0.0/24").Router("r" + host, "internet", "n" + host, nat, firewall).Host(host, "n" + host);
        }

        foreach (var nat in NatTypes)
        {
            Site(MeshLab.Site(nat, 1), NatSpec.Parse(nat));
            Site(MeshLab.Site(nat, 2), NatSpec.Parse(nat));
        }

        Site("blocked", NatSpec.PortRestrictedCone, FirewallMode.UdpBlocked);
        b.Network("nlan", "192.168.50.0/24").Router("rlan", "internet", "nlan", NatSpec.PortRestrictedCone).Host("lan1", "nlan").Host("lan2", "nlan");
        b.Network("carrier", "100.64.0.0/24").Router("rcgnc", "internet", "carrier", NatSpec.RestrictedCone)
            .Network("ncgn", "192.168.60.0/24").Router("rcgnh", "carrier", "ncgn", NatSpec.PortRestrictedCone).Host("cgn", "ncgn");
        b.Host("pub", "internet", IPAddress.Parse("203.0.113.50"));

        // Spare hosts for tests with nodes of their own.
        Site("cuta", NatSpec.FullCone);
        b.Host("cutb", "internet", IPAddress.Parse("203.0.113.51"));
        Site("roama", NatSpec.PortRestrictedCone);
        b.Host("roamb", "internet", IPAddress.Parse("203.0.113.52"));
        b.Host("reva", "internet", IPAddress.Parse("203.0.113.53"))
            .Host("revb", "internet", IPAddress.Parse("203.0.113.54"))
            .Host("revc", "internet", IPAddress.Parse("203.0.113.55"))
            .Host("bad", "internet", IPAddress.Parse("203.0.113.56"))
            .Host("pola", "internet", IPAddress.Parse("203.0.113.58"))
            .Host("polb", "internet", IPAddress.Parse("203.0.113.59"));
        Site("tima", NatSpec.Symmetric);
        Site("timb", NatSpec.Symmetric);
        Site("timc", NatSpec.PortRestrictedCone);
        b.Host("timd", "internet", IPAddress.Parse("203.0.113.57"));
        return b.Build();
    }

    public async Task InitializeAsync()
    {
        // Leftovers of a crashed earlier run (owner gone) go first; live runs of parallel suites are left alone.
        await LabRuns.SweepAsync(includeLive: false);
        Lab = await Lab.StartAsync(BuildScenario());
        Control = await LabControl.StartAsync(Lab.Host("ctrl"));
        var (vpc, key) = await Control.CreateVpcAndKeyAsync();
        GridVpc = vpc;
        var hosts = Cells.SelectMany(c => new[] { c.A, c.B }).Distinct().Order(StringComparer.Ordinal).ToList();
        var started = DateTimeOffset.UtcNow;
        var grid = new Dictionary<string, NexdNode>();
        foreach (var h in hosts)
        {
            var node = NexdNode.Start(Lab.Host(h), Control.Url, key);
            grid[h] = node;
            _nodes.Add(node);
        }

        Grid = grid;
        var running = grid.ToDictionary(kv => kv.Key, kv => kv.Value.WaitRunningAsync());
        await Task.WhenAll(running.Values);
        AllRunningAfter = running.Values.Max(t => t.Result) - started;
        Results = await Task.WhenAll(Cells.Select(c => MeasureAsync(c, running[c.A].Result, running[c.B].Result)));
        _sink.OnMessage(new DiagnosticMessage($"mesh lab {Lab.RunName}: {grid.Count} nodes Running {AllRunningAfter.TotalSeconds:0.0}s after start"));
    }

    /// <summary>From both Running: UDP echo through the tunnel until the first answer, then wait for a direct path where the model predicts one.</summary>
    private async Task<CellResult> MeasureAsync(GridCell cell, DateTimeOffset runningA, DateTimeOffset runningB)
    {
        var a = Grid[cell.A];
        var b = Grid[cell.B];
        var bothUp = runningA > runningB ? runningA : runningB;
        var first = await TunnelProbe.FirstEchoAsync(a.Host, b.Host, b.TunnelIp!, TimeSpan.FromSeconds(30));
        TimeSpan? firstPacket = first is not null ? DateTimeOffset.UtcNow - bothUp : null;
        if (firstPacket is null)
        {
            return new CellResult(cell, null, null, $"no UDP echo {cell.A} -> {cell.B} through the tunnel within 30 s");
        }

        TimeSpan? toDirect = null;
        try
        {
            var direct = await a.WaitPathAsync(cell.B, "direct", cell.ExpectDirect ? TimeSpan.FromSeconds(30) : TimeSpan.FromSeconds(8));
            toDirect = direct - bothUp;
        }
        catch (TimeoutException)
        {
        }

        return new CellResult(cell, firstPacket, toDirect, null);
    }

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        if (Control is not null)
        {
            await Control.DisposeAsync();
        }

        if (Lab is not null)
        {
            await Lab.DisposeAsync();
        }
    }
}
