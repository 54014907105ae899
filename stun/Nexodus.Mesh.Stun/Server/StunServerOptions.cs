using System.Net;
using System.Net.Sockets;

namespace Nexodus.Mesh.Stun.Server;

/// <summary>
/// Where the STUN server listens. With <see cref="AlternateIp"/> and <see cref="AlternatePort"/> it binds the
/// four combinations of RFC 5780 and can tell clients their NAT's mapping and filtering behaviour; with only
/// <see cref="Listen"/> it answers plain binding requests.
/// </summary>
public sealed class StunServerOptions
{
    /// <summary>Primary address and port. Port 0 picks a free port (tests).</summary>
    public IPEndPoint Listen { get; set; } = new(IPAddress.Any, 3478);

    /// <summary>Second IP address of this host (same family as <see cref="Listen"/>), for CHANGE-REQUEST change-IP.</summary>
    public IPAddress? AlternateIp { get; set; }

    /// <summary>Second port, for CHANGE-REQUEST change-port. 0 picks a free port (tests).</summary>
    public int? AlternatePort { get; set; }

    /// <summary>SOFTWARE attribute of every answer; empty to omit.</summary>
    public string Software { get; set; } = "Nexodus.Mesh.Stun";

    /// <summary>Problems with these options, each naming the setting and the fix; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Listen is null)
        {
            errors.Add("Listen: an address and port are required (e.g. 0.0.0.0:3478)");
            return errors;
        }

        if (Listen.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            errors.Add("Listen: must be an IPv4 or IPv6 address");
        }

        if (AlternateIp is not null)
        {
            if (AlternateIp.AddressFamily != Listen.AddressFamily)
            {
                errors.Add($"AlternateIp: {AlternateIp} is not the same address family as the listen address {Listen.Address}");
            }
            else if (AlternateIp.Equals(Listen.Address))
            {
                errors.Add($"AlternateIp: must differ from the listen address {Listen.Address}");
            }

            if (Listen.Address.Equals(IPAddress.Any) || Listen.Address.Equals(IPAddress.IPv6Any))
            {
                errors.Add("AlternateIp: needs a specific listen address (not 0.0.0.0 or ::), because a wildcard socket would also receive the alternate IP's traffic");
            }

            if (AlternateIp.Equals(IPAddress.Any) || AlternateIp.Equals(IPAddress.IPv6Any))
            {
                errors.Add("AlternateIp: must be a specific address of this host, not a wildcard");
            }
        }

        if (AlternatePort is { } port)
        {
            if (port is < 0 or > 65535)
            {
                errors.Add($"AlternatePort: {port} is not a port number (1-65535)");
            }
            else if (port != 0 && port == Listen.Port)
            {
                errors.Add($"AlternatePort: must differ from the listen port {Listen.Port}");
            }
        }

        if (Software is null || System.Text.Encoding.UTF8.GetByteCount(Software) > 127)
        {
            errors.Add("Software: at most 127 bytes of UTF-8");
        }

        return errors;
    }
}
