using Nexodus.Mesh.Netsim.Scenarios;

namespace Nexodus.Mesh.Netsim;

/// <summary>An end host: one interface <c>eth0</c> on its network, default route via its network's router.</summary>
public sealed class LabHost : LabNode
{
    internal const string Interface = "eth0";

    internal LabHost(Lab lab, HostSpec spec)
        : base(lab, spec.Name, spec.Addresses, Interface)
    {
        Spec = spec;
    }

    public HostSpec Spec { get; }

    /// <summary>Name of the network the host is attached to.</summary>
    public string Network => Spec.Network;

    /// <summary>The NAT router in front of the host, or null for a public host.</summary>
    public LabRouter? Gateway => Lab.Scenario.GatewayOf(Network) is { } g ? Lab.Router(g.Name) : null;

    /// <summary>
    /// Gives the host new NAT mappings, as if it had roamed or its router had rebooted: rebinds the router in
    /// front of it (see <see cref="LabRouter.RebindAsync"/>).
    /// </summary>
    public Task RebindAsync(CancellationToken cancellationToken = default) =>
        (Gateway ?? throw new NetsimException($"host {Name} is public; it has no NAT mapping to change")).RebindAsync(cancellationToken);
}
