namespace Nexodus.Mesh.Stun.Tests;

internal static class Eventually
{
    /// <summary>Waits (real time, bounded) for a condition that another thread makes true, e.g. a counter bumped after a send.</summary>
    public static async Task TrueAsync(Func<bool> condition, string because, int timeoutMs = 5000)
    {
        var deadline = Environment.TickCount64 + timeoutMs;
        while (!condition())
        {
            if (Environment.TickCount64 > deadline)
            {
                Assert.Fail($"timed out waiting until {because}");
            }

            await Task.Delay(5);
        }
    }
}
