namespace Nexodus.Mesh.Core.Contracts;

/// <summary>Magic DNS: names are "&lt;peer hostname&gt;.&lt;Domain&gt;", answered by the node from its peer list.</summary>
public sealed record DnsConfig
{
    public string Domain { get; init; } = "";

    public IReadOnlyList<string> SearchDomains { get; init; } = [];
}
