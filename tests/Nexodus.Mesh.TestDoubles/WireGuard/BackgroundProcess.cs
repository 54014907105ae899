using System.Diagnostics;
using System.Text;

namespace Nexodus.Mesh.TestDoubles.WireGuard;

/// <summary>A child process whose output is collected; disposing sends SIGTERM, then kills after a grace period.</summary>
public sealed class BackgroundProcess : IAsyncDisposable
{
    private readonly StringBuilder _output = new();

    internal BackgroundProcess(Process process)
    {
        Process = process;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Process Process { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    /// <summary>SIGTERM and wait; returns the exit code, or null if it had to be killed.</summary>
    public async Task<int?> StopAsync(TimeSpan grace)
    {
        if (Process.HasExited)
        {
            return Process.ExitCode;
        }

        Shell.Run("kill", ["-TERM", Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        using var cts = new CancellationTokenSource(grace);
        try
        {
            await Process.WaitForExitAsync(cts.Token);
            return Process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            Process.Kill(entireProcessTree: true);
            await Process.WaitForExitAsync();
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(5));
        Process.Dispose();
    }
}
