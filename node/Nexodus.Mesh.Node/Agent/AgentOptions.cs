namespace Nexodus.Mesh.Node.Agent;

/// <summary>`nexd up` settings after argument validation.</summary>
internal sealed class AgentOptions
{
    public required Uri ControlUrl { get; init; }
    public string? RegistrationKey { get; init; }

    /// <summary>VPC id or name to join after an interactive login (needed when the user may join several).</summary>
    public string? Vpc { get; init; }
    public string Hostname { get; init; } = Environment.MachineName;
    public string StateDir { get; init; } = "/var/lib/nexodus";
    public string? RequestIp { get; init; }
    public string Interface { get; init; } = "nexodus0";
    public int? ListenPort { get; init; }
    public string? ControlCaPin { get; init; }
    /// <summary>Unix socket of the local API; null serves none.</summary>
    public string? LocalApiPath { get; init; }

    /// <summary>Where /metrics is served; null serves none.</summary>
    public System.Net.IPEndPoint? MetricsEndpoint { get; init; }

    public int Mtu { get; init; } = 1280;
    public TimeSpan StreamIdleTimeout { get; init; } = TimeSpan.FromSeconds(45);
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);
}
