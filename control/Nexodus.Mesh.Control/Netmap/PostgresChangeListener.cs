using System.Text.Json;
using Microsoft.Extensions.Options;
using Nexodus.Mesh.Control.Hosting;
using Npgsql;

namespace Nexodus.Mesh.Control.Netmap;

/// <summary>
/// With PostgreSQL, LISTENs for changes committed by other replicas and feeds them to this process's hub, so any
/// replica can serve any device (no sticky routing). Reconnects with backoff; after a reconnect it signals
/// "everything changed" because notifications sent while disconnected are lost.
/// </summary>
internal sealed partial class PostgresChangeListener(ChangeBus bus, IOptions<ControlOptions> options, TimeProvider time, ILogger<PostgresChangeListener> log)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.Db != "postgres")
        {
            return;
        }

        var first = true;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var conn = new NpgsqlConnection(options.Value.DbConnection);
                await conn.OpenAsync(stoppingToken);
                conn.Notification += (_, e) => OnNotification(e.Payload);
                await using (var cmd = new NpgsqlCommand($"LISTEN {ChangeBus.Channel}", conn))
                {
                    await cmd.ExecuteNonQueryAsync(stoppingToken);
                }

                if (!first)
                {
                    bus.Raise(ChangeSignal.Everything);
                }

                first = false;
                while (!stoppingToken.IsCancellationRequested)
                {
                    await conn.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Log.ListenFailed(log, ex);
                first = false;
                await Task.Delay(TimeSpan.FromSeconds(2), time, stoppingToken);
            }
        }
    }

    private void OnNotification(string payload)
    {
        try
        {
            var n = JsonSerializer.Deserialize<ChangeBus.Notification>(payload);
            if (n is not null && n.Origin != bus.ProcessId)
            {
                bus.Raise(new ChangeSignal(n.VpcIds ?? [], n.All, n.VpcIds is { Count: 1 } ? n.DeviceIds : null));
            }
        }
        catch (JsonException)
        {
            bus.Raise(ChangeSignal.Everything);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "LISTEN connection to PostgreSQL failed; retrying")]
        public static partial void ListenFailed(ILogger logger, Exception ex);
    }
}
