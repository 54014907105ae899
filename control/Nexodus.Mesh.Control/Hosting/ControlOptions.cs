namespace Nexodus.Mesh.Control.Hosting;

/// <summary>Configuration section "Control" (file, environment NEXODUS_Control__X, or flags; see README).</summary>
internal sealed class ControlOptions
{
    public const string Section = "Control";

    /// <summary>Directory for the SQLite database and other state; created if missing.</summary>
    public string DataDir { get; set; } = "nexodus-control-data";

    /// <summary>"sqlite" (default) or "postgres".</summary>
    public string Db { get; set; } = "sqlite";

    /// <summary>Connection string; required for postgres, optional override for sqlite.</summary>
    public string? DbConnection { get; set; }

    /// <summary>Kestrel URL(s), ';'-separated.</summary>
    public string Listen { get; set; } = "http://127.0.0.1:8080";

    /// <summary>Externally visible base URL; the issuer of relay tokens. Defaults to the first listen URL.</summary>
    public string? PublicUrl { get; set; }

    /// <summary>Plain HTTP for the embedded identity provider (one box, loopback or TLS terminated in front).</summary>
    public bool AllowInsecureHttp { get; set; } = true;

    /// <summary>
    /// Password for the first admin account when explicitly configured (automation, tests). When unset a random
    /// password is generated and printed once: there are no default credentials.
    /// </summary>
    public string? InitialAdminPassword { get; set; }

    public string InitialAdminUserName { get; set; } = "admin";

    public TimeSpan RelayTokenLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How long a device stays "online" after its stream dropped, to ride out reconnects.</summary>
    public TimeSpan PresenceGrace { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Changes arriving within this window are sent as one delta (at most 250 ms).</summary>
    public TimeSpan CoalesceWindow { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How many past revisions per stream are kept to resume without a resync.</summary>
    public int ResumeHistory { get; set; } = 64;

    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Idle memory trim (see <see cref="IdleMemoryTrim"/>): after the managed heap grew by <see cref="TrimGrowthBytes"/>,
    /// this much allocation quiet triggers one compacting collection that returns free memory. Zero turns it off.
    /// </summary>
    public TimeSpan TrimQuietPeriod { get; set; } = TimeSpan.FromSeconds(5);

    public long TrimGrowthBytes { get; set; } = 32L * 1024 * 1024;

    /// <summary>
    /// Kestrel's limit of open connections. Every streaming device holds one, so this bounds the devices one replica
    /// serves; the process also needs a file descriptor per connection (the runtime raises the soft limit to the hard one).
    /// </summary>
    public long MaxConnections { get; set; } = 10_000;

    public List<ExternalIssuerOptions> ExternalIssuers { get; set; } = [];

    /// <summary>OTLP endpoint for traces; tracing export is off when unset.</summary>
    public string? OtlpEndpoint { get; set; }

    public IEnumerable<string> Validate()
    {
        if (Db is not ("sqlite" or "postgres"))
        {
            yield return $"Control:Db must be 'sqlite' or 'postgres', got '{Db}'";
        }

        if (Db == "postgres" && string.IsNullOrWhiteSpace(DbConnection))
        {
            yield return "Control:DbConnection is required with --db postgres (e.g. \"Host=...;Username=...;Password=...;Database=nexodus\")";
        }

        if (CoalesceWindow < TimeSpan.Zero || CoalesceWindow > TimeSpan.FromMilliseconds(250))
        {
            yield return "Control:CoalesceWindow must be between 0 and 250 ms";
        }

        if (RelayTokenLifetime < TimeSpan.FromSeconds(10))
        {
            yield return "Control:RelayTokenLifetime must be at least 10 seconds";
        }

        if (MaxConnections is < 1 or > 1_000_000)
        {
            yield return $"Control:MaxConnections must be between 1 and 1000000, got {MaxConnections}";
        }

        if (HeartbeatInterval <= TimeSpan.Zero)
        {
            yield return "Control:HeartbeatInterval must be positive";
        }

        if (TrimQuietPeriod < TimeSpan.Zero || TrimQuietPeriod > TimeSpan.FromHours(1))
        {
            yield return "Control:TrimQuietPeriod must be between 0 (off) and 1 hour";
        }

        if (TrimGrowthBytes < 1024 * 1024)
        {
            yield return "Control:TrimGrowthBytes must be at least 1 MiB";
        }

        if (PublicUrl is not null && !Uri.TryCreate(PublicUrl, UriKind.Absolute, out _))
        {
            yield return $"Control:PublicUrl is not an absolute URL: '{PublicUrl}'";
        }

        foreach (var e in ExternalIssuers)
        {
            if (string.IsNullOrWhiteSpace(e.Name) || !Uri.TryCreate(e.Issuer, UriKind.Absolute, out _) || string.IsNullOrWhiteSpace(e.ClientId))
            {
                yield return "Control:ExternalIssuers entries need Name, an absolute Issuer URL and ClientId";
            }

            if (e.ClockSkew < TimeSpan.Zero || e.ClockSkew > TimeSpan.FromMinutes(10))
            {
                yield return $"Control:ExternalIssuers ({e.Name}) ClockSkew must be between 0 and 10 minutes";
            }
        }
    }
}
