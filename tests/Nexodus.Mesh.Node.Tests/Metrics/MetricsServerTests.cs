using System.Net;
using Nexodus.Mesh.Node.Agent;
using Nexodus.Mesh.Node.Filter;
using Nexodus.Mesh.Node.Metrics;
using Nexodus.Mesh.Node.Paths;
using Nexodus.Mesh.Node.WireGuard;

namespace Nexodus.Mesh.Node.Tests.Metrics;

/// <summary>/metrics over real loopback TCP: families present, values read at scrape time, only /metrics served.</summary>
public sealed class MetricsServerTests
{
    [Fact]
    public async Task Scrape_StateAndFilterDrops_ReflectSourcesAtScrapeTime()
    {
        var source = new Source { State = AgentState.Connecting };
        await using var server = await MetricsServer.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), new AgentMetrics(source));
        Assert.NotEqual(0, server.Endpoint.Port);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.Endpoint.Port}") };

        using var first = await http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.StartsWith("text/plain", first.Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);
        var text = await first.Content.ReadAsStringAsync();
        Assert.Contains("nexd_state{state=\"Connecting\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("nexd_state{state=\"Running\"} 0", text, StringComparison.Ordinal);
        Assert.Contains("nexd_control_connected 0", text, StringComparison.Ordinal);
        Assert.Contains("nexd_peers{path=\"direct\"} 0", text, StringComparison.Ordinal);
        Assert.Contains("nexd_filter_drops_total{direction=\"inbound\"} 0", text, StringComparison.Ordinal);

        source.State = AgentState.Running;
        source.ControlConnected = true;
        source.FilterCounters.Inbound.Increment(FilterDropReason.NotAllowed);
        source.FilterCounters.Inbound.Increment(FilterDropReason.NotAllowed);
        source.FilterCounters.Inbound.Increment(FilterDropReason.Malformed);
        source.FilterCounters.Outbound.Increment(FilterDropReason.TableFull);
        text = await http.GetStringAsync("/metrics");
        Assert.Contains("nexd_state{state=\"Running\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("nexd_state{state=\"Connecting\"} 0", text, StringComparison.Ordinal);
        Assert.Contains("nexd_control_connected 1", text, StringComparison.Ordinal);
        Assert.Contains("nexd_filter_drops_total{direction=\"inbound\"} 3", text, StringComparison.Ordinal);
        Assert.Contains("nexd_filter_drops_total{direction=\"outbound\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("nexd_drops_total{reason=\"filter_inbound\"} 3", text, StringComparison.Ordinal);

        using var other = await http.GetAsync("/v1/status");
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
    }

    [Theory]
    [InlineData("127.0.0.1:9100", true)]
    [InlineData("[::1]:9100", true)]
    [InlineData("0.0.0.0:0", true)]
    [InlineData("9100", false)]
    [InlineData("localhost:9100", false)]
    [InlineData("127.0.0.1", false)]
    [InlineData("127.0.0.1:70000", false)]
    [InlineData("::1", false)]
    [InlineData("", false)]
    public void TryParseEndpoint_Table(string text, bool ok)
    {
        Assert.Equal(ok, MetricsServer.TryParseEndpoint(text, out _, out var error));
        Assert.Equal(ok, error.Length == 0);
        if (!ok)
        {
            Assert.Contains("--metrics", error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Start_PortTaken_FailsNamingTheAddress()
    {
        await using var first = await MetricsServer.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), new AgentMetrics(new Source()));
        var e = await Assert.ThrowsAsync<IOException>(() => MetricsServer.StartAsync(first.Endpoint, new AgentMetrics(new Source())));
        Assert.Contains(first.Endpoint.ToString(), e.Message, StringComparison.Ordinal);
    }

    private sealed class Source : IAgentMetricsSource
    {
        public AgentState State { get; set; }

        public bool ControlConnected { get; set; }

        public Device? Device => null;

        public PathManager? Paths => null;

        public FilterCounters FilterCounters { get; } = new();
    }
}
