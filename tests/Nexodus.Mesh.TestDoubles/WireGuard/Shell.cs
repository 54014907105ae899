using System.Diagnostics;

namespace Nexodus.Mesh.TestDoubles.WireGuard;

/// <summary>Runs commands for namespace tests: foreground with a timeout, or background with a handle to stop it.</summary>
public static class Shell
{
    public static (int ExitCode, string Output) Run(string file, IEnumerable<string> args, TimeSpan? timeout = null, IDictionary<string, string>? env = null)
    {
        var psi = Start(file, args, env);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start " + file);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout ?? TimeSpan.FromSeconds(60)))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            return (-1, $"timed out: {file} {string.Join(' ', args)}\n{stdout.Result}{stderr.Result}");
        }

        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>Runs and throws with the output when the exit code is not 0.</summary>
    public static string Check(string file, params string[] args)
    {
        var (code, output) = Run(file, args);
        return code == 0 ? output : throw new InvalidOperationException($"`{file} {string.Join(' ', args)}` exited {code}: {output}");
    }

    public static BackgroundProcess Background(string file, IEnumerable<string> args, IDictionary<string, string>? env = null) =>
        new(Process.Start(Start(file, args, env)) ?? throw new InvalidOperationException("cannot start " + file));

    private static ProcessStartInfo Start(string file, IEnumerable<string> args, IDictionary<string, string>? env)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        if (env is not null)
        {
            foreach (var (k, v) in env)
            {
                psi.Environment[k] = v;
            }
        }

        return psi;
    }
}
