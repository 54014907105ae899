using Nexodus.Mesh.Core.Contracts;

namespace Nexodus.Mesh.Node.Tests.Filter;

/// <summary>Short-hand for the <see cref="PacketFilter"/> contracts control sends.</summary>
internal static class Rules
{
    public static FilterRule Rule(string protocol, int from, int to, params string[] prefixes) =>
        new() { Protocol = protocol, FromPort = from, ToPort = to, Prefixes = prefixes };

    public static FilterRule Rule(string protocol, params string[] prefixes) => Rule(protocol, 0, 0, prefixes);

    public static PacketFilter Policy(FilterRule[] inbound, FilterRule[] outbound) => new() { Inbound = inbound, Outbound = outbound };

    /// <summary>The example: only TCP 22 in, from A's addresses; nothing may be started outbound.</summary>
    public static PacketFilter SshOnlyFromA() => Policy([Rule("tcp", 22, 22, "10.9.0.1/32", "fd09::1/128")], []);
}
