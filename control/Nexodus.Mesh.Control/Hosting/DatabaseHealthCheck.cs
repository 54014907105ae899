using Microsoft.Extensions.Diagnostics.HealthChecks;
using Nexodus.Mesh.Control.Storage;

namespace Nexodus.Mesh.Control.Hosting;

internal sealed class DatabaseHealthCheck(ControlDbContext db) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        await db.Database.CanConnectAsync(cancellationToken) ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("database unreachable");
}
