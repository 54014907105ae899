using System.Diagnostics;
using System.Text;

namespace Nexodus.Mesh.Netsim;

/// <summary>Runs helper commands (ip, nft, conntrack, tcpdump) and reports failures with their stderr.</summary>
internal static class CommandRunner
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    public static async Task<ExecResult> RunAsync(
        IReadOnlyList<string> argv,
        string? stdin = null,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        var psi = new ProcessStartInfo(argv[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        for (var i = 1; i < argv.Count; i++)
        {
            psi.ArgumentList.Add(argv[i]);
        }

        using var process = new Process { StartInfo = psi };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new NetsimException($"cannot start '{argv[0]}': {e.Message} (is it installed?)", e);
        }

        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout ?? DefaultTimeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Already exited between the timeout and the kill.
            }

            cancellationToken.ThrowIfCancellationRequested();
            throw new TimeoutException($"'{Format(argv)}' did not finish within {(timeout ?? DefaultTimeout).TotalSeconds:0.#}s");
        }

        return new ExecResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs a command that must succeed.</summary>
    public static async Task<ExecResult> CheckAsync(IReadOnlyList<string> argv, string? stdin = null, CancellationToken cancellationToken = default)
    {
        var result = await RunAsync(argv, stdin, null, cancellationToken);
        if (!result.Succeeded)
        {
            throw new NetsimException($"'{Format(argv)}' failed with exit code {result.ExitCode}: {result.StandardError.Trim()}");
        }

        return result;
    }

    public static string Format(IEnumerable<string> argv)
    {
        var sb = new StringBuilder();
        foreach (var a in argv)
        {
            if (sb.Length > 0)
            {
                sb.Append(' ');
            }

            sb.Append(a.Contains(' ', StringComparison.Ordinal) || a.Length == 0 ? $"'{a}'" : a);
        }

        return sb.ToString();
    }
}
