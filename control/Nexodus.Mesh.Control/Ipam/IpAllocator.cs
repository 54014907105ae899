using System.Net;
using System.Net.Sockets;
using System.Numerics;
using System.Security.Cryptography;

namespace Nexodus.Mesh.Control.Ipam;

/// <summary>
/// Tunnel address assignment inside a VPC. IPv4 comes from the VPC range (first free host, or a random one on retries
/// so concurrent enrollments spread out); IPv6 is the VPC's ULA /64 with the same host number, so both addresses of a
/// device are easy to correlate. Uniqueness is finally guaranteed by unique indexes; callers retry on conflict.
/// </summary>
internal static class IpAllocator
{
    /// <summary>A ULA /64 (RFC 4193): fd + 40 random bits of global id + subnet 0.</summary>
    public static string RandomUla64()
    {
        Span<byte> b = stackalloc byte[16];
        b.Clear();
        b[0] = 0xfd;
        RandomNumberGenerator.Fill(b.Slice(1, 5));
        return new IPNetwork(new IPAddress(b), 64).ToString();
    }

    public static bool Contains(IPNetwork net, IPAddress address) => net.Contains(address);

    /// <summary>Host number of an address inside a network (0 = network address).</summary>
    public static BigInteger HostNumber(IPNetwork net, IPAddress address) =>
        ToBig(address) - ToBig(net.BaseAddress);

    /// <summary>True when the address is a usable host of the IPv4 network (not network or broadcast address).</summary>
    public static bool IsUsableHost(IPNetwork net, IPAddress address)
    {
        if (!net.Contains(address) || address.AddressFamily != AddressFamily.InterNetwork)
        {
            return false;
        }

        var host = HostNumber(net, address);
        var size = BigInteger.One << (32 - net.PrefixLength);
        return net.PrefixLength >= 31 || (host > 0 && host < size - 1);
    }

    /// <summary>Picks an IPv4 host not in <paramref name="used"/>; null when the range is full.</summary>
    public static IPAddress? NextIpv4(IPNetwork net, IReadOnlySet<string> used, bool random)
    {
        var size = (long)(BigInteger.One << (32 - net.PrefixLength));
        var first = net.PrefixLength >= 31 ? 0 : 1;
        var last = net.PrefixLength >= 31 ? size - 1 : size - 2;
        var count = last - first + 1;
        if (count <= 0 || used.Count >= count)
        {
            return null;
        }

        var start = random ? first + RandomNumberGenerator.GetInt32((int)Math.Min(count, int.MaxValue)) : first;
        for (long i = 0; i < count; i++)
        {
            var host = first + ((start - first + i) % count);
            var candidate = FromBig(ToBig(net.BaseAddress) + host, AddressFamily.InterNetwork);
            if (!used.Contains(candidate.ToString()))
            {
                return candidate;
            }
        }

        return null;
    }

    public static IPAddress HostAddress(IPNetwork v4, long host) => FromBig(ToBig(v4.BaseAddress) + host, AddressFamily.InterNetwork);

    public static IPAddress Ipv6ForHost(IPNetwork v6, BigInteger host) => FromBig(ToBig(v6.BaseAddress) + host, AddressFamily.InterNetworkV6);

    private static BigInteger ToBig(IPAddress a) => new(a.GetAddressBytes(), isUnsigned: true, isBigEndian: true);

    private static IPAddress FromBig(BigInteger v, AddressFamily family)
    {
        var len = family == AddressFamily.InterNetwork ? 4 : 16;
        var bytes = new byte[len];
        var raw = v.ToByteArray(isUnsigned: true, isBigEndian: true);
        raw.CopyTo(bytes, len - raw.Length);
        return new IPAddress(bytes);
    }
}
