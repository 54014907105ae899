using Nexodus.Mesh.Relay.Client;
using Nexodus.Mesh.Relay.Tests.Support;
using Nexodus.Mesh.TestDoubles.Relay;

namespace Nexodus.Mesh.Relay.Tests.Client;

public sealed class HomeRegionSelectorTests
{
    private static Dictionary<string, TimeSpan?> Ms(params (string Region, double? Ms)[] values) =>
        values.ToDictionary(v => v.Region, v => v.Ms is { } ms ? TimeSpan.FromMilliseconds(ms) : (TimeSpan?)null);

    [Fact]
    public void FirstRound_PicksLowestLatency()
    {
        var s = new HomeRegionSelector();
        Assert.Equal("fra", s.Update(Ms(("ams", 30), ("fra", 12), ("nyc", 90))));
    }

    [Theory]
    [InlineData(25, "fra")] // 25 vs 30: not better by a third → stay
    [InlineData(15, "ams")] // 15 vs 30: clearly better → move
    public void Hysteresis_MovesOnlyWhenClearlyBetter(double amsLatency, string expected)
    {
        var s = new HomeRegionSelector();
        s.Update(Ms(("ams", 40), ("fra", 30)));
        Assert.Equal(expected, s.Update(Ms(("ams", amsLatency), ("fra", 30))));
    }

    [Fact]
    public void Hysteresis_SmallAbsoluteGain_DoesNotMove()
    {
        var s = new HomeRegionSelector();
        s.Update(Ms(("a", 3), ("b", 6)));
        Assert.Equal("a", s.Update(Ms(("a", 9), ("b", 3)))); // 3 vs 9 ms: ratio yes, but only 6 ms better
    }

    [Fact]
    public void CurrentUnreachable_MovesToBestReachable()
    {
        var s = new HomeRegionSelector();
        s.Update(Ms(("a", 10), ("b", 50)));
        Assert.Equal("b", s.Update(Ms(("a", null), ("b", 50))));
        Assert.Equal("b", s.Update(Ms(("a", null), ("b", null))));
    }

    [Fact]
    public async Task Prober_MeasuresARealRelay_AndFailsOnANonRelay()
    {
        using var issuer = new TestTokenIssuer();
        await using var relay = await RelayTestServer.StartAsync(issuer);
        using var prober = new RelayLatencyProber(relay.Trust);
        var latency = await prober.ProbeAsync(relay.Host.Url, 3, default);
        Assert.NotNull(latency);
        Assert.True(latency < TimeSpan.FromSeconds(1));
        var dead = await prober.ProbeAsync(new Uri($"https://127.0.0.1:{FreePort.Next()}/"), 1, default);
        Assert.Null(dead);
        var regions = await prober.ProbeRegionsAsync(new Dictionary<string, IReadOnlyList<Uri>> { ["here"] = [relay.Host.Url], ["gone"] = [new Uri($"https://127.0.0.1:{FreePort.Next()}/")] }, 2, default);
        Assert.Equal("here", new HomeRegionSelector().Update(regions));
    }
}
