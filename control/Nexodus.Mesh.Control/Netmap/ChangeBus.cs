using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Nexodus.Mesh.Control.Storage;

namespace Nexodus.Mesh.Control.Netmap;

/// <summary>
/// Announces map-affecting changes after they are committed: bumps the global revision, wakes this process's
/// netmap hub, and — on PostgreSQL — NOTIFYs the other replicas (see <see cref="PostgresChangeListener"/>).
/// </summary>
internal sealed class ChangeBus
{
    public const string Channel = "nexodus_changes";

    public Guid ProcessId { get; } = Guid.NewGuid();

    public event Action<ChangeSignal>? Changed;

    public Task PublishAsync(ControlDbContext db, Guid vpcId, CancellationToken ct) => PublishAsync(db, new ChangeSignal([vpcId], false), ct);

    /// <summary>Only these devices' rows of the VPC changed (joined, left, came online, reported endpoints).</summary>
    public Task PublishDeviceAsync(ControlDbContext db, Guid vpcId, Guid deviceId, CancellationToken ct) => PublishAsync(db, ChangeSignal.Devices(vpcId, deviceId), ct);

    public async Task PublishAsync(ControlDbContext db, ChangeSignal signal, CancellationToken ct)
    {
        await db.Revisions.Where(r => r.Id == 1).ExecuteUpdateAsync(s => s.SetProperty(r => r.Value, r => r.Value + 1), ct);
        Raise(signal);
        if (db.Database.IsNpgsql())
        {
            var payload = JsonSerializer.Serialize(new Notification(ProcessId, signal.All, signal.VpcIds, signal.DeviceIds));
            await db.Database.ExecuteSqlAsync($"SELECT pg_notify({Channel}, {payload})", ct);
        }
    }

    public void Raise(ChangeSignal signal) => Changed?.Invoke(signal);

    public static async Task<long> CurrentRevisionAsync(ControlDbContext db, CancellationToken ct) =>
        await db.Revisions.AsNoTracking().Where(r => r.Id == 1).Select(r => r.Value).FirstAsync(ct);

    // NOTIFY payloads are limited to 8000 bytes: device ids travel only for single-device changes (see ChangeSignal).
    internal sealed record Notification(Guid Origin, bool All, IReadOnlyList<Guid> VpcIds, IReadOnlyList<Guid>? DeviceIds = null);
}
