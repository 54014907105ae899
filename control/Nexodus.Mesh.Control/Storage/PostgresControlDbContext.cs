using Microsoft.EntityFrameworkCore;

namespace Nexodus.Mesh.Control.Storage;

internal sealed class PostgresControlDbContext(DbContextOptions<PostgresControlDbContext> options, TenantScope scope)
    : ControlDbContext(options, scope);
