namespace Nexodus.Mesh.Control.Tests.Infrastructure;

public sealed class SqliteHostFixture() : HostFixture(DbProvider.Sqlite);
