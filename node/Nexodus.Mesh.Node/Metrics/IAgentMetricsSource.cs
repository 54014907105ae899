using Nexodus.Mesh.Node.Agent;
using Nexodus.Mesh.Node.Filter;
using Nexodus.Mesh.Node.Paths;
using Nexodus.Mesh.Node.WireGuard;

namespace Nexodus.Mesh.Node.Metrics;

/// <summary>What <see cref="AgentMetrics"/> reads at scrape time; the node agent implements it.</summary>
internal interface IAgentMetricsSource
{
    AgentState State { get; }

    bool ControlConnected { get; }

    /// <summary>Null until the interface is up.</summary>
    Device? Device { get; }

    /// <summary>Null until the interface is up.</summary>
    PathManager? Paths { get; }

    /// <summary>The packet filter's drop counters (one firewall per agent; rules are swapped inside it).</summary>
    FilterCounters FilterCounters { get; }
}
