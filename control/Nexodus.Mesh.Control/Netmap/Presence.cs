using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Nexodus.Mesh.Control.Hosting;
using Nexodus.Mesh.Control.Storage;

namespace Nexodus.Mesh.Control.Netmap;

/// <summary>
/// Online/offline follows stream presence: online when a stream opens; offline only after the grace period and only
/// if no newer stream (on any replica) took over, which the stream session id in the device row tells.
/// </summary>
internal sealed partial class Presence(IServiceScopeFactory scopes, ChangeBus bus, IOptions<ControlOptions> options, TimeProvider time, ILogger<Presence> log)
{
    public async Task OnlineAsync(DeviceStream stream, CancellationToken ct)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ControlDbContext>();
        db.Scope.SetSystem();
        var now = time.GetUtcNow();
        await db.Devices.Where(d => d.Id == stream.DeviceId)
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.Online, true).SetProperty(d => d.LastSeen, now).SetProperty(d => d.StreamSession, stream.Id), ct);
        await bus.PublishDeviceAsync(db, stream.VpcId, stream.DeviceId, ct);
    }

    public void Offline(DeviceStream stream) => _ = OfflineAfterGraceAsync(stream);

    private async Task OfflineAfterGraceAsync(DeviceStream stream)
    {
        try
        {
            await Task.Delay(options.Value.PresenceGrace, time);
            using var scope = scopes.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<ControlDbContext>();
            db.Scope.SetSystem();
            var now = time.GetUtcNow();
            var changed = await db.Devices.Where(d => d.Id == stream.DeviceId && d.StreamSession == stream.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(d => d.Online, false).SetProperty(d => d.LastSeen, now).SetProperty(d => d.StreamSession, (Guid?)null));
            if (changed > 0)
            {
                await bus.PublishDeviceAsync(db, stream.VpcId, stream.DeviceId, CancellationToken.None);
            }
        }
        catch (Exception ex)
        {
            // Shutdown or database trouble: the device stays "online" until its next stream; log and move on.
            Log.OfflineFailed(log, stream.DeviceId, ex);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "could not mark device {DeviceId} offline")]
        public static partial void OfflineFailed(ILogger logger, Guid deviceId, Exception ex);
    }
}
