namespace Nexodus.Mesh.Node.Filter;

/// <summary>Connection-tracking limits and idle timeouts (tunables, not protocol constants).</summary>
internal sealed class ConnTrackOptions
{
    /// <summary>Tracked flows at most; when full, new flows are dropped (existing ones are never evicted for them).</summary>
    public int MaxFlows { get; set; } = 65_536;

    public TimeSpan TcpEstablished { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>TCP that has not been answered yet (a SYN), or that has closed (RST, or FIN both ways).</summary>
    public TimeSpan TcpTransitory { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan Udp { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>UDP and other protocols before the first reply: a scan fills the table with these, so they go first.</summary>
    public TimeSpan Unreplied { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan Icmp { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Later fragments of an admitted first fragment pass for this long (Linux's reassembly timeout).</summary>
    public TimeSpan Fragment { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Slots of the fragment table (power of two); a collision forgets the older datagram.</summary>
    public int FragmentSlots { get; set; } = 1024;

    /// <summary>How often each shard of the table is swept of expired flows (work done on the packet path, no timer).</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(10);
}
