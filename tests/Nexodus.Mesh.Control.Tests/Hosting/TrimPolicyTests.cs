using Nexodus.Mesh.Control.Hosting;

namespace Nexodus.Mesh.Control.Tests.Hosting;

/// <summary>When the idle memory trim runs: only after the heap grew and allocation then went quiet, once per burst.</summary>
public sealed class TrimPolicyTests
{
    private const long MiB = 1024 * 1024;
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    private readonly TrimPolicy _policy = new(TimeSpan.FromSeconds(5), 32 * MiB, baselineBytes: 100 * MiB);
    private long _allocated;

    [Fact]
    public void AfterABurst_TrimsOnceAllocationHasBeenQuietForThePeriod_AndNotAgainWithoutANewBurst()
    {
        NoTrimFor(seconds: 10, allocatedPerSecond: 50 * MiB, heap: 300 * MiB); // the burst: never quiet
        NoTrimFor(seconds: 4, allocatedPerSecond: 4096, heap: 300 * MiB);      // quiet, a heartbeat's worth per second
        Assert.True(Observe(4096, 300 * MiB));
        _policy.Trimmed(_allocated, 120 * MiB);

        // Still quiet and the heap stays where the trim left it: no second trim, however long it stays idle.
        NoTrimFor(seconds: 60, allocatedPerSecond: 4096, heap: 120 * MiB);
    }

    [Fact]
    public void SteadyTraffic_NeverTrims_EvenWithAGrownHeap() =>
        NoTrimFor(seconds: 600, allocatedPerSecond: 2 * MiB, heap: 500 * MiB);

    [Fact]
    public void QuietButSmallGrowth_DoesNotTrim_AndAQuietRunIsResetByActivity()
    {
        NoTrimFor(seconds: 30, allocatedPerSecond: 0, heap: 120 * MiB);

        // A burst grows the heap enough; a busy second in the middle of the quiet that follows starts the count again.
        NoTrimFor(seconds: 1, allocatedPerSecond: 80 * MiB, heap: 200 * MiB);
        NoTrimFor(seconds: 4, allocatedPerSecond: 0, heap: 200 * MiB);
        NoTrimFor(seconds: 1, allocatedPerSecond: 10 * MiB, heap: 200 * MiB);
        NoTrimFor(seconds: 4, allocatedPerSecond: 0, heap: 200 * MiB);
        Assert.True(Observe(0, 200 * MiB));
    }

    [Theory]
    [InlineData("-00:00:01", 33554432L, "TrimQuietPeriod")]
    [InlineData("02:00:00", 33554432L, "TrimQuietPeriod")]
    [InlineData("00:00:05", 1000L, "TrimGrowthBytes")]
    public void BadTrimSettings_AreRefusedNamingTheKey(string quiet, long growth, string key)
    {
        var problems = new ControlOptions { TrimQuietPeriod = TimeSpan.Parse(quiet, System.Globalization.CultureInfo.InvariantCulture), TrimGrowthBytes = growth }.Validate().ToList();
        Assert.Contains(problems, p => p.Contains("Control:" + key, StringComparison.Ordinal));
        Assert.Empty(new ControlOptions { TrimQuietPeriod = TimeSpan.Zero }.Validate());
    }

    private bool Observe(long allocatedThisSecond, long heap)
    {
        _allocated += allocatedThisSecond;
        return _policy.Observe(_allocated, heap, Second);
    }

    private void NoTrimFor(int seconds, long allocatedPerSecond, long heap)
    {
        for (var i = 1; i <= seconds; i++)
        {
            Assert.False(Observe(allocatedPerSecond, heap), $"second {i} of {seconds} at {allocatedPerSecond} B/s, heap {heap / MiB} MiB");
        }
    }
}
