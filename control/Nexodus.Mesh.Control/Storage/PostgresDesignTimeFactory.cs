using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Nexodus.Mesh.Control.Storage;

internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresControlDbContext>
{
    public PostgresControlDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresControlDbContext>().UseNpgsql("Host=localhost").Options, TenantScope.System());
}
