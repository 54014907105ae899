using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Nexodus.Mesh.Node.Disco;

/// <summary>
/// An ip:port inside disco messages: 16-byte address (IPv4 as v4-mapped IPv6) | port (uint16, big-endian).
/// One fixed size for both families keeps the parsers trivial.
/// </summary>
internal static class DiscoAddress
{
    public const int Size = 18;

    public static void Write(IPEndPoint endpoint, Span<byte> destination)
    {
        var address = endpoint.Address.AddressFamily == AddressFamily.InterNetwork ? endpoint.Address.MapToIPv6() : endpoint.Address;
        if (!address.TryWriteBytes(destination[..16], out var written) || written != 16)
        {
            throw new ArgumentException("not an IPv4 or IPv6 endpoint", nameof(endpoint));
        }

        BinaryPrimitives.WriteUInt16BigEndian(destination[16..], (ushort)endpoint.Port);
    }

    /// <summary>False for port 0 or an unspecified address (never a usable path).</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out IPEndPoint endpoint)
    {
        endpoint = null!;
        if (source.Length < Size)
        {
            return false;
        }

        var address = new IPAddress(source[..16]);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        var port = BinaryPrimitives.ReadUInt16BigEndian(source[16..]);
        if (port == 0 || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
        {
            return false;
        }

        endpoint = new IPEndPoint(address, port);
        return true;
    }
}
