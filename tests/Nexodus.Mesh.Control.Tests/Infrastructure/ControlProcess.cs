using System.Diagnostics;
using System.Threading.Channels;
using Npgsql;

namespace Nexodus.Mesh.Control.Tests.Infrastructure;

/// <summary>
/// The real nexodus-control binary (the apphost copied next to the tests) on 127.0.0.1:0 with its own data dir and,
/// for PostgreSQL, its own database; stdout and stderr are collected line by line. Stopped by its process id.
/// </summary>
internal sealed class ControlProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dataDir;
    private readonly string? _pgDatabase;

    private ControlProcess(Process process, string dataDir, string? pgDatabase)
    {
        _process = process;
        _dataDir = dataDir;
        _pgDatabase = pgDatabase;
    }

    public Channel<string> Stdout { get; } = Channel.CreateUnbounded<string>();

    public List<string> Stderr { get; } = [];

    public static ControlProcess Start(DbProvider provider, IEnumerable<string> extraArgs, Dictionary<string, string>? environment = null)
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "nx-ctl-proc-" + Guid.NewGuid().ToString("N")[..12]);
        var psi = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "nexodus-control"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var a in new[] { "--listen", "http://127.0.0.1:0", "--data-dir", dataDir, "--no-embedded-relay" })
        {
            psi.ArgumentList.Add(a);
        }

        string? pgDb = null;
        if (provider == DbProvider.Postgres)
        {
            pgDb = "nx_ctl_proc_" + Guid.NewGuid().ToString("N")[..12];
            foreach (var a in new[] { "--db", "postgres", "--db-connection", $"{ControlHost.PostgresServer};Database={pgDb}" })
            {
                psi.ArgumentList.Add(a);
            }
        }

        foreach (var a in extraArgs)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["NEXODUS_Control__InitialAdminPassword"] = ControlHost.AdminPassword;
        foreach (var (k, v) in environment ?? [])
        {
            psi.Environment[k] = v;
        }

        var process = new Process { StartInfo = psi };
        var result = new ControlProcess(process, dataDir, pgDb);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                result.Stdout.Writer.TryComplete();
            }
            else
            {
                result.Stdout.Writer.TryWrite(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (result.Stderr)
                {
                    result.Stderr.Add(e.Data);
                }
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return result;
    }

    /// <summary>Reads stdout lines until one matches; every line read is also returned in <paramref name="seen"/>.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, List<string> seen, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await foreach (var line in Stdout.Reader.ReadAllAsync(cts.Token))
            {
                seen.Add(line);
                if (match(line))
                {
                    return line;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        throw new TimeoutException("no matching line on stdout; saw:\n" + string.Join('\n', seen) + "\nstderr:\n" + string.Join('\n', Stderr));
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
        catch (IOException)
        {
        }

        if (_pgDatabase is not null)
        {
            await using var conn = new NpgsqlConnection(ControlHost.PostgresServer + ";Database=postgres");
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_pgDatabase}\" WITH (FORCE)", conn);
            await cmd.ExecuteNonQueryAsync();
        }
    }
}
