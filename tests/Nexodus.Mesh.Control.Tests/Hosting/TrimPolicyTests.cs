using Nexodus.Mesh.Control.Hosting;

namespace Nexodus.Mesh.Control.Tests.Hosting;

/// <summary>When the idle memory trim runs: only after the heap grew and allocation then went quiet, once per burst.</summary>
public sealed class TrimPolicyTests
{
    private const long MiB = 1024 * 1024;
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    [Fact]
    public void AfterABurst_TrimsOnceAllocationHasBeenQuietForThePeriod_AndNotAgainWithoutANewBurst()
    {
        var policy = new TrimPolicy(TimeSpan.FromSeconds(5), 32 * MiB, baselineBytes: 100 * MiB);
        long allocated = 0;

        // The burst: 50 MiB/s for 10 s, the heap grows to 300 MiB. Never quiet, so no trim.
        for (var i = 0; i < 10; i++)
        {
            allocated += 50 * MiB;
            Assert.False(policy.Observe(allocated, 300 * MiB, Second));
        }

        // Quiet (a heartbeat's worth of allocation): the fifth quiet second trims.
        for (var i = 1; i <= 4; i++)
        {
            allocated += 4096;
            Assert.False(policy.Observe(allocated, 300 * MiB, Second), $"quiet second {i}");
        }

        allocated += 4096;
        Assert.True(policy.Observe(allocated, 300 * MiB, Second));
        policy.Trimmed(allocated, 120 * MiB);

        // Still quiet and the heap stays where the trim left it: no second trim, however long it stays idle.
        for (var i = 0; i < 60; i++)
        {
            allocated += 4096;
            Assert.False(policy.Observe(allocated, 120 * MiB, Second));
        }
    }

    [Fact]
    public void SteadyTraffic_NeverTrims_EvenWithAGrownHeap()
    {
        var policy = new TrimPolicy(TimeSpan.FromSeconds(5), 32 * MiB, baselineBytes: 100 * MiB);
        long allocated = 0;
        for (var i = 0; i < 600; i++)
        {
            allocated += 2 * MiB;
            Assert.False(policy.Observe(allocated, 500 * MiB, Second));
        }
    }

    [Fact]
    public void QuietButSmallGrowth_DoesNotTrim_AndAQuietRunIsResetByActivity()
    {
        var policy = new TrimPolicy(TimeSpan.FromSeconds(5), 32 * MiB, baselineBytes: 100 * MiB);
        long allocated = 0;
        for (var i = 0; i < 30; i++)
        {
            Assert.False(policy.Observe(allocated, 120 * MiB, Second));
        }

        // A burst grows the heap enough; a busy second in the middle of the quiet that follows starts the count again.
        allocated += 80 * MiB;
        Assert.False(policy.Observe(allocated, 200 * MiB, Second));
        for (var i = 0; i < 4; i++)
        {
            Assert.False(policy.Observe(allocated, 200 * MiB, Second));
        }

        allocated += 10 * MiB;
        Assert.False(policy.Observe(allocated, 200 * MiB, Second));
        for (var i = 0; i < 4; i++)
        {
            Assert.False(policy.Observe(allocated, 200 * MiB, Second));
        }

        Assert.True(policy.Observe(allocated, 200 * MiB, Second));
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
}
