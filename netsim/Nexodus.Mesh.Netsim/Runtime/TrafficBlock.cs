namespace Nexodus.Mesh.Netsim;

/// <summary>A drop rule installed by <see cref="LabNode.BlockAsync(string, CancellationToken)"/>; dispose to lift it.</summary>
public sealed class TrafficBlock : IAsyncDisposable
{
    internal const string Table = "netsimblock";
    private readonly LabNode _node;
    private readonly string[] _chains;
    private int _removed;

    internal TrafficBlock(LabNode node, string[] chains, string match)
    {
        _node = node;
        _chains = chains;
        Match = match;
    }

    /// <summary>The nftables match expression(s) dropped.</summary>
    public string Match { get; }

    /// <summary>Removes the drop rules.</summary>
    public async Task RemoveAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _removed, 1) == 1)
        {
            return;
        }

        var script = string.Concat(_chains.Select(c => $"delete chain inet {Table} {c}\n"));
        await _node.Lab.NftAsync(_node, script, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await RemoveAsync();
        }
        catch (NetsimException) when (_node.Lab.IsDisposed)
        {
            // The namespace is already gone with the lab.
        }
    }
}
