using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace Nexodus.Mesh.Netsim;

/// <summary>
/// A dedicated thread that has joined a network namespace with setns(2). A socket's namespace is fixed when the
/// socket is created, so sockets made here belong to the namespace and can be used from any thread afterwards.
/// Only the calling thread changes namespace, which is why the work is never run on the thread pool.
/// </summary>
internal sealed class NamespaceThread : IDisposable
{
    private readonly BlockingCollection<Action> _work = [];
    private readonly Thread _thread;
    private readonly string _namespaceName;

    public NamespaceThread(string namespaceName)
    {
        _namespaceName = namespaceName;
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _thread = new Thread(() => Run(ready)) { IsBackground = true, Name = $"netns {namespaceName}" };
        _thread.Start();
        ready.Task.GetAwaiter().GetResult();
    }

    public Task<T> InvokeAsync<T>(Func<T> work)
    {
        if (Thread.CurrentThread == _thread)
        {
            return Task.FromResult(work());
        }

        var tcs = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            _work.Add(() =>
            {
                try
                {
                    tcs.SetResult(work());
                }
                catch (Exception e)
                {
                    tcs.SetException(e);
                }
            });
        }
        catch (InvalidOperationException)
        {
            throw new ObjectDisposedException($"namespace thread for {_namespaceName}");
        }

        return tcs.Task;
    }

    public T Invoke<T>(Func<T> work) => InvokeAsync(work).GetAwaiter().GetResult();

    /// <summary>Queues a continuation; dropped silently once the thread is shut down (the lab is gone).</summary>
    public void Post(Action work)
    {
        try
        {
            _work.Add(work);
        }
        catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
        {
            // The namespace is being torn down; a late continuation has nowhere to run.
        }
    }

    public void Dispose()
    {
        _work.CompleteAdding();
        if (Thread.CurrentThread != _thread)
        {
            _thread.Join(TimeSpan.FromSeconds(10));
        }

        _work.Dispose();
    }

    private void Run(TaskCompletionSource ready)
    {
        try
        {
            using var handle = File.OpenHandle(Path.Combine(Naming.NetnsDirectory, _namespaceName));
            if (NativeMethods.setns((int)handle.DangerousGetHandle(), NativeMethods.CloneNewNet) != 0)
            {
                throw new NetsimException($"setns({_namespaceName}) failed: errno {Marshal.GetLastPInvokeError()}");
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NetsimException)
        {
            ready.SetException(e is NetsimException ? e : new NetsimException($"cannot enter namespace {_namespaceName}: {e.Message}", e));
            return;
        }

        SynchronizationContext.SetSynchronizationContext(new NamespaceSynchronizationContext(this));
        ready.SetResult();
        foreach (var item in _work.GetConsumingEnumerable())
        {
            try
            {
                item();
            }
            catch (Exception e)
            {
                // Work items report their own failures; this catches exceptions of fire-and-forget async void
                // continuations, which must not kill the process.
                System.Diagnostics.Debug.WriteLine($"netns {_namespaceName}: unhandled {e}");
            }
        }
    }
}
