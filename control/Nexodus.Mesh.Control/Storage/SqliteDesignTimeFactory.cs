using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Nexodus.Mesh.Control.Storage;

/// <summary>Used only by `dotnet ef migrations add`; connection strings are placeholders never opened.</summary>
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteControlDbContext>
{
    public SqliteControlDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteControlDbContext>().UseSqlite("Data Source=design.db").Options, TenantScope.System());
}
