using System.Diagnostics;
using System.Text;

namespace Nexodus.Mesh.Netsim;

/// <summary>
/// An external process running inside a node's namespace (<c>ip netns exec</c>). Its output is kept line by line
/// so tests can wait for a readiness line; disposing stops it (SIGTERM, then SIGKILL).
/// </summary>
public sealed class LabProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Lock _gate = new();
    private readonly List<string> _stdout = [];
    private readonly List<string> _stderr = [];
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Done)> _waiters = [];
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal LabProcess(LabNode node, IReadOnlyList<string> command, IReadOnlyDictionary<string, string>? environment)
    {
        Node = node;
        Command = CommandRunner.Format(command);
        var psi = new ProcessStartInfo("ip")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in (string[])["netns", "exec", node.NamespaceName, .. command])
        {
            psi.ArgumentList.Add(a);
        }

        if (environment is not null)
        {
            foreach (var (k, v) in environment)
            {
                psi.Environment[k] = v;
            }
        }

        _process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => OnLine(e.Data, _stdout, _stdoutClosed);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data, _stderr, _stderrClosed);
        try
        {
            _process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new NetsimException($"cannot start 'ip netns exec' for {Command}: {e.Message}", e);
        }

        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public LabNode Node { get; }

    /// <summary>The command line as given (without the <c>ip netns exec</c> prefix).</summary>
    public string Command { get; }

    /// <summary>Process id (<c>ip netns exec</c> execs the command, so this is the command itself).</summary>
    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    /// <summary>Standard input, for interactive tools.</summary>
    public StreamWriter StandardInput => _process.StandardInput;

    public IReadOnlyList<string> StandardOutputLines
    {
        get
        {
            lock (_gate)
            {
                return [.. _stdout];
            }
        }
    }

    public IReadOnlyList<string> StandardErrorLines
    {
        get
        {
            lock (_gate)
            {
                return [.. _stderr];
            }
        }
    }

    /// <summary>
    /// Everything printed so far on both streams, for diagnostics in assertion messages. Standard error comes first:
    /// it is where a crash (an unhandled exception, an abort) is told, and reports cut long messages at the end.
    /// </summary>
    public string Output
    {
        get
        {
            lock (_gate)
            {
                var sb = new StringBuilder();
                foreach (var l in _stderr)
                {
                    sb.Append("[stderr] ").Append(l).Append('\n');
                }

                foreach (var l in _stdout)
                {
                    sb.Append(l).Append('\n');
                }

                return sb.ToString();
            }
        }
    }

    /// <summary>Waits until a line on stdout or stderr contains <paramref name="text"/>; returns the line.</summary>
    public Task<string> WaitForOutputAsync(string text, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        WaitForOutputAsync(l => l.Contains(text, StringComparison.Ordinal), timeout, text, cancellationToken);

    /// <summary>Waits until a line on stdout or stderr matches; throws <see cref="TimeoutException"/> (with the
    /// output so far) on timeout or if the process exits first.</summary>
    public async Task<string> WaitForOutputAsync(Func<string, bool> match, TimeSpan timeout, string? description = null, CancellationToken cancellationToken = default)
    {
        var done = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            var existing = _stdout.Concat(_stderr).FirstOrDefault(match);
            if (existing is not null)
            {
                return existing;
            }

            _waiters.Add((match, done));
        }

        try
        {
            var exited = Task.WhenAll(_stdoutClosed.Task, _stderrClosed.Task);
            var finished = await Task.WhenAny(done.Task, exited, Task.Delay(timeout, cancellationToken));
            if (finished == done.Task)
            {
                return await done.Task;
            }

            cancellationToken.ThrowIfCancellationRequested();
            var why = finished == exited ? $"exited (code {SafeExitCode()})" : $"printed nothing matching within {timeout.TotalSeconds:0.#}s";
            throw new TimeoutException($"'{Command}' in {Node.Name} {why} while waiting for {description ?? "a matching line"}; output:\n{Output}");
        }
        finally
        {
            lock (_gate)
            {
                _waiters.RemoveAll(w => w.Done == done);
            }
        }
    }

    /// <summary>Waits for the process to exit and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"'{Command}' in {Node.Name} still runs after {timeout.TotalSeconds:0.#}s; output:\n{Output}");
        }

        return _process.ExitCode;
    }

    /// <summary>Sends a signal (e.g. 2 = SIGINT) to the process.</summary>
    public void Signal(int signal)
    {
        if (!_process.HasExited)
        {
            NativeMethods.kill(_process.Id, signal);
        }
    }

    /// <summary>Asks the process to stop (SIGTERM), and kills it if it has not exited after <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_process.HasExited)
        {
            return;
        }

        Signal(NativeMethods.SigTerm);
        using var cts = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Signal(NativeMethods.SigKill);
            await _process.WaitForExitAsync(CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync(TimeSpan.FromSeconds(2));
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }

        _process.Dispose();
    }

    private string SafeExitCode()
    {
        try
        {
            return _process.HasExited ? _process.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture) : "?";
        }
        catch (InvalidOperationException)
        {
            return "?";
        }
    }

    private void OnLine(string? line, List<string> sink, TaskCompletionSource closed)
    {
        if (line is null)
        {
            closed.TrySetResult();
            return;
        }

        lock (_gate)
        {
            sink.Add(line);
            foreach (var (match, done) in _waiters)
            {
                if (match(line))
                {
                    done.TrySetResult(line);
                }
            }
        }
    }
}
