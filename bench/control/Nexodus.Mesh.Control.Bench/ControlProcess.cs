using System.Diagnostics;
using System.Security.Cryptography;

namespace Nexodus.Mesh.Control.Bench;

/// <summary>
/// The published nexodus-control binary on 127.0.0.1 (port chosen by the kernel) with a temporary SQLite data dir.
/// Killed by its process id and the data dir removed on dispose, also when the bench fails half-way.
/// </summary>
internal sealed class ControlProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dataDir;

    private ControlProcess(Process process, string dataDir, Uri url, string adminPassword)
    {
        _process = process;
        _dataDir = dataDir;
        Url = url;
        AdminPassword = adminPassword;
    }

    public Uri Url { get; }

    public string AdminPassword { get; }

    public int Pid => _process.Id;

    public static async Task<ControlProcess> StartAsync(string binary, IEnumerable<string> extraArgs)
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "nx-ctlbench-" + Guid.NewGuid().ToString("N")[..12]);
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        var psi = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var a in (string[])["--listen", "http://127.0.0.1:0", "--data-dir", dataDir, "--no-embedded-relay"])
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var a in extraArgs)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["NEXODUS_Control__InitialAdminPassword"] = password;
        var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {binary}");
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var seen = new List<string>();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                listening.TrySetException(new InvalidOperationException("nexodus-control exited:\n" + string.Join('\n', seen)));
                return;
            }

            lock (seen)
            {
                if (seen.Count < 200)
                {
                    seen.Add(e.Data);
                }
            }

            const string marker = "Now listening on: ";
            var i = e.Data.IndexOf(marker, StringComparison.Ordinal);
            if (i >= 0)
            {
                listening.TrySetResult(new Uri(e.Data[(i + marker.Length)..].Trim()));
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Console.Error.WriteLine("control: " + e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var url = await listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
            return new ControlProcess(process, dataDir, url, password);
        }
        catch
        {
            await StopAsync(process, dataDir);
            throw;
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync(_process, _dataDir);

    private static async Task StopAsync(Process process, string dataDir)
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
        try
        {
            Directory.Delete(dataDir, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
        catch (IOException)
        {
        }
    }
}
