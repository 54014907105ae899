using System.Buffers.Binary;
using System.Net;

namespace Nexodus.Mesh.Netsim.Scenarios;

/// <summary>Addresses in use per network, for explicit reservation and automatic assignment.</summary>
internal sealed class AddressBook
{
    private readonly Dictionary<string, NetworkSpec> _networks;
    private readonly Dictionary<string, HashSet<IPAddress>> _used = new(StringComparer.Ordinal);

    public AddressBook(IEnumerable<NetworkSpec> networks)
    {
        _networks = networks.ToDictionary(n => n.Name, StringComparer.Ordinal);
        foreach (var n in _networks.Keys)
        {
            _used[n] = [];
        }
    }

    /// <summary>Parses and reserves an explicit address; null text means "assign one later".</summary>
    public IPAddress? ReserveExplicit(string? text, string network, string field)
    {
        if (text is null)
        {
            return null;
        }

        if (!IPAddress.TryParse(text.Trim(), out var address) || address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
        {
            throw new ScenarioException(field, $"'{text}' is not an IPv4 address");
        }

        var subnet = _networks[network].Subnet;
        var value = ToUInt(address);
        var first = ToUInt(subnet.BaseAddress);
        var last = first + (uint)((1L << (32 - subnet.PrefixLength)) - 1);
        if (!subnet.Contains(address) || value == first || value == last)
        {
            throw new ScenarioException(field, $"{address} is not a usable host address of network '{network}' ({subnet})");
        }

        if (!_used[network].Add(address))
        {
            throw new ScenarioException(field, $"{address} is already used on network '{network}'");
        }

        return address;
    }

    /// <summary>The lowest free host address of the network.</summary>
    public IPAddress Next(string network, string field)
    {
        var subnet = _networks[network].Subnet;
        var first = ToUInt(subnet.BaseAddress);
        var count = (uint)((1L << (32 - subnet.PrefixLength)) - 1);
        for (var i = 1u; i < count; i++)
        {
            var candidate = FromUInt(first + i);
            if (_used[network].Add(candidate))
            {
                return candidate;
            }
        }

        throw new ScenarioException(field, $"network '{network}' ({subnet}) has no free address left");
    }

    internal static uint ToUInt(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[4];
        address.TryWriteBytes(bytes, out _);
        return BinaryPrimitives.ReadUInt32BigEndian(bytes);
    }

    private static IPAddress FromUInt(uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return new IPAddress(bytes);
    }
}
