namespace Nexodus.Mesh.Netsim;

/// <summary>
/// Posts continuations back to a <see cref="NamespaceThread"/>, so async code started there keeps running inside
/// the namespace after an await (unless it opts out with <c>ConfigureAwait(false)</c> or <c>Task.Run</c>).
/// </summary>
internal sealed class NamespaceSynchronizationContext(NamespaceThread thread) : SynchronizationContext
{
    public override void Post(SendOrPostCallback d, object? state) => thread.Post(() => d(state));

    public override void Send(SendOrPostCallback d, object? state) => thread.Invoke(() =>
    {
        d(state);
        return true;
    });

    public override SynchronizationContext CreateCopy() => this;
}
