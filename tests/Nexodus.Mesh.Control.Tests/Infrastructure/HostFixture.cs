namespace Nexodus.Mesh.Control.Tests.Infrastructure;

/// <summary>One control host (and database) per test class and provider.</summary>
public abstract class HostFixture(DbProvider provider) : IAsyncLifetime
{
    internal ControlHost Host { get; private set; } = null!;

    public DbProvider Provider { get; } = provider;

    public async Task InitializeAsync() => Host = await ControlHost.StartAsync(Provider);

    public async Task DisposeAsync() => await Host.DisposeAsync();
}
