using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Nexodus.Mesh.Control.Storage;

internal sealed class SqliteControlDbContext(DbContextOptions<SqliteControlDbContext> options, TenantScope scope)
    : ControlDbContext(options, scope)
{
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // SQLite has no timestamp type that compares correctly in SQL; a sortable binary form keeps expiry queries in SQL.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToBinaryConverter>();
    }
}
