namespace Nexodus.Mesh.Control.Tests.Infrastructure;

public sealed class PostgresHostFixture() : HostFixture(DbProvider.Postgres);
