using System.Diagnostics;

namespace Nexodus.Mesh.Node.Tests.LocalApi;

/// <summary>Runs a command to completion with a deadline (nexctl, curl, setpriv) and captures its output.</summary>
internal static class ChildProcess
{
    public static async Task<(int ExitCode, string Out, string Err)> RunAsync(IReadOnlyList<string> argv, TimeSpan? timeout = null, IReadOnlyDictionary<string, string>? env = null)
    {
        var info = new ProcessStartInfo(argv[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in argv.Skip(1))
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (k, v) in env ?? new Dictionary<string, string>())
        {
            info.Environment[k] = v;
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{string.Join(' ', argv)} did not finish: {await stdout}{await stderr}");
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>`dotnet nexctl.dll ARGS` from the test output directory.</summary>
    public static Task<(int ExitCode, string Out, string Err)> NexctlAsync(params string[] args) =>
        RunAsync(["dotnet", Path.Combine(AppContext.BaseDirectory, "nexctl.dll"), .. args]);
}
