using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Nexodus.Mesh.Stun.Server;

/// <summary>Runs a <see cref="StunServer"/> for the lifetime of a host (the CLI, the relay, control's one-box mode).</summary>
public sealed class StunServerHostedService : BackgroundService
{
    private readonly StunServerOptions _options;
    private readonly StunServerMetrics _metrics;
    private readonly ILogger<StunServer> _logger;
    private readonly TaskCompletionSource<StunServer> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public StunServerHostedService(IOptions<StunServerOptions> options, StunServerMetrics metrics, ILogger<StunServer> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>Completes with the running server once its sockets are bound (faults if binding failed).</summary>
    public Task<StunServer> Started => _started.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var server = new StunServer(_options, _metrics, _logger);
        await using (server)
        {
            try
            {
                server.Start();
            }
            catch (Exception e)
            {
                _started.TrySetException(e);
                throw;
            }

            _started.TrySetResult(server);
            try
            {
                await Task.Delay(Timeout.Infinite, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                // host shutdown
            }
        }
    }
}
