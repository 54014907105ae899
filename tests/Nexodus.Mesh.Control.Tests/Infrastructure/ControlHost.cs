using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Nexodus.Mesh.Control.Hosting;
using Npgsql;

namespace Nexodus.Mesh.Control.Tests.Infrastructure;

/// <summary>
/// A real control process in-process: Kestrel on 127.0.0.1:0, its own SQLite file or its own PostgreSQL database
/// (dropped on dispose). PostgreSQL comes from NEXODUS_TEST_POSTGRES (set by .ci/run).
/// </summary>
internal sealed class ControlHost : IAsyncDisposable
{
    public const string AdminPassword = "test-admin-password-0123";
    private readonly string? _pgDatabase;
    private readonly bool _ownsDatabase;
    private readonly bool _ownsDataDir;

    private ControlHost(WebApplication app, Uri baseAddress, string dataDir, bool ownsDataDir, string? pgDatabase, bool ownsDatabase)
    {
        App = app;
        BaseAddress = baseAddress;
        DataDir = dataDir;
        _ownsDataDir = ownsDataDir;
        _pgDatabase = pgDatabase;
        _ownsDatabase = ownsDatabase;
    }

    /// <summary>The host's --data-dir (SQLite database, relay key, development certificate).</summary>
    public string DataDir { get; }

    public WebApplication App { get; }

    public Uri BaseAddress { get; }

    public string? PostgresDatabase => _pgDatabase;

    public static string PostgresServer =>
        Environment.GetEnvironmentVariable("NEXODUS_TEST_POSTGRES")
        ?? throw new InvalidOperationException("NEXODUS_TEST_POSTGRES is not set: the control suite runs on SQLite and PostgreSQL (.ci/run starts PostgreSQL and sets it)");

    /// <summary>
    /// Starts a host; pass <paramref name="sharedPostgresDatabase"/> to start a second replica on the same database, and
    /// <paramref name="sharedDataDir"/> to start on another host's data dir (a restart); shared things are not deleted.
    /// </summary>
    public static async Task<ControlHost> StartAsync(
        DbProvider provider, Dictionary<string, string?>? settings = null, string? sharedPostgresDatabase = null, string? sharedDataDir = null)
    {
        var args = new List<string> { "--listen", "http://127.0.0.1:0" };
        string? pgDb = null;
        var dataDir = sharedDataDir ?? Path.Combine(Path.GetTempPath(), "nx-ctl-test-" + Guid.NewGuid().ToString("N")[..12]);
        args.AddRange(["--data-dir", dataDir]);
        if (provider == DbProvider.Sqlite)
        {
            args.AddRange(["--db", "sqlite"]);
        }
        else
        {
            pgDb = sharedPostgresDatabase ?? "nx_ctl_test_" + Guid.NewGuid().ToString("N")[..12];
            args.AddRange(["--db", "postgres", "--db-connection", $"{PostgresServer};Database={pgDb}"]);
        }

        var app = ControlApplication.Build([.. args], b =>
        {
            var all = new Dictionary<string, string?>
            {
                ["Control:InitialAdminPassword"] = AdminPassword,
                ["Control:CoalesceWindow"] = "00:00:00.050",
                ["Control:PresenceGrace"] = "00:00:01",
                ["Logging:LogLevel:Default"] = "Warning",
            };
            foreach (var (k, v) in settings ?? [])
            {
                all[k] = v;
            }

            b.Configuration.AddInMemoryCollection(all);
        });
        await ControlApplication.InitializeAsync(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new ControlHost(app, new Uri(address), dataDir, ownsDataDir: sharedDataDir is null, pgDb, ownsDatabase: sharedPostgresDatabase is null);
    }

    public ControlClient Client() => new(BaseAddress);

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await App.StopAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
        }

        await App.DisposeAsync();
        if (_ownsDataDir)
        {
            try
            {
                Directory.Delete(DataDir, recursive: true);
            }
            catch (IOException)
            {
            }
        }

        if (_pgDatabase is not null && _ownsDatabase)
        {
            NpgsqlConnection.ClearAllPools();
            await using var conn = new NpgsqlConnection(PostgresServer + ";Database=postgres");
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_pgDatabase}\" WITH (FORCE)", conn);
            await cmd.ExecuteNonQueryAsync();
        }
    }
}
