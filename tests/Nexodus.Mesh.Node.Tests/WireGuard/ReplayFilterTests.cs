using Nexodus.Mesh.Node.WireGuard;

namespace Nexodus.Mesh.Node.Tests.WireGuard;

public sealed class ReplayFilterTests
{
    private const ulong Limit = Protocol.RejectAfterMessages;

    [Fact]
    public void ValidateCounter_Sequence_MatchesWindowRules()
    {
        var f = new ReplayFilter();
        var w = ReplayFilter.WindowSize;
        (ulong Counter, bool Expected)[] steps =
        [
            (0, true), (1, true), (1, false), (9, true), (8, true), (7, true), (7, false),
            (2 * w, true), (9, false), (w, true), (w, false), (w - 1, false), (2 * w + 1, true), (2 * w + 1, false),
            (2 * w - 1, true), (2 * w - 1, false), (2 * w + 5000, true), (2 * w + 4999, true), (2 * w, false),
        ];
        foreach (var (counter, expected) in steps)
        {
            Assert.True(expected == f.ValidateCounter(counter, Limit), $"counter {counter}");
        }
    }

    [Fact]
    public void ValidateCounter_WindowIsAtLeast8128()
    {
        Assert.True(ReplayFilter.WindowSize >= 8128);
        var f = new ReplayFilter();
        Assert.True(f.ValidateCounter(10_000, Limit));
        Assert.True(f.ValidateCounter(10_000 - 8_128, Limit));
        Assert.False(f.ValidateCounter(10_000 - 8_129, Limit));
    }

    [Fact]
    public void ValidateCounter_AtOrAboveLimit_Rejected()
    {
        var f = new ReplayFilter();
        Assert.False(f.ValidateCounter(Limit, Limit));
        Assert.False(f.ValidateCounter(ulong.MaxValue, Limit));
        Assert.True(f.ValidateCounter(Limit - 1, Limit));
    }

    [Fact]
    public void ValidateCounter_AllOrdersInsideWindow_EachAcceptedOnce()
    {
        var f = new ReplayFilter();
        var counters = Enumerable.Range(0, 4000).Select(i => (ulong)i).OrderBy(_ => Random.Shared.Next()).ToArray();
        foreach (var c in counters)
        {
            Assert.True(f.ValidateCounter(c, Limit));
        }

        foreach (var c in counters)
        {
            Assert.False(f.ValidateCounter(c, Limit));
        }
    }
}
