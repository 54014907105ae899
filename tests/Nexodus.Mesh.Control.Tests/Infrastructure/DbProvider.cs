namespace Nexodus.Mesh.Control.Tests.Infrastructure;

public enum DbProvider
{
    Sqlite,
    Postgres,
}
