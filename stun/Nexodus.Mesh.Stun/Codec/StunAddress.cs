using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Nexodus.Mesh.Stun.Codec;

/// <summary>
/// An IPv4 or IPv6 transport address as a value type, so the server path can go from a received
/// <see cref="SocketAddress"/> to an encoded attribute without allocating. IPv4-mapped IPv6 addresses
/// (what a dual-stack socket reports for IPv4 peers) are normalised to IPv4, because that is what the peer's
/// NAT sees and what it must be told.
/// </summary>
public readonly struct StunAddress : IEquatable<StunAddress>
{
    private readonly ulong _high;
    private readonly ulong _low;

    private StunAddress(AddressFamily family, ulong high, ulong low, ushort port)
    {
        Family = family;
        _high = high;
        _low = low;
        Port = port;
    }

    /// <summary><see cref="AddressFamily.InterNetwork"/> or <see cref="AddressFamily.InterNetworkV6"/>; <see cref="AddressFamily.Unspecified"/> for default.</summary>
    public AddressFamily Family { get; }

    public ushort Port { get; }

    public bool IsIPv4 => Family == AddressFamily.InterNetwork;

    /// <summary>0.0.0.0 or :: (a wildcard bind address, not something to tell a peer).</summary>
    public bool IsUnspecifiedAddress => _high == 0 && _low == 0;

    /// <summary>4 for IPv4, 16 for IPv6.</summary>
    public int AddressLength => IsIPv4 ? 4 : 16;

    /// <summary>An IPv4 address from its 32-bit big-endian value.</summary>
    public static StunAddress FromIPv4(uint address, ushort port) => new(AddressFamily.InterNetwork, 0, address, port);

    /// <summary>An IPv6 address from its 16 bytes.</summary>
    public static StunAddress FromIPv6(ReadOnlySpan<byte> address, ushort port)
    {
        var high = BinaryPrimitives.ReadUInt64BigEndian(address);
        var low = BinaryPrimitives.ReadUInt64BigEndian(address[8..]);
        // ::ffff:a.b.c.d → a.b.c.d
        if (high == 0 && (low >> 32) == 0xFFFF)
        {
            return FromIPv4((uint)low, port);
        }

        return new StunAddress(AddressFamily.InterNetworkV6, high, low, port);
    }

    public static StunAddress FromEndPoint(IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        Span<byte> bytes = stackalloc byte[16];
        endPoint.Address.TryWriteBytes(bytes, out var written);
        return written == 4
            ? FromIPv4(BinaryPrimitives.ReadUInt32BigEndian(bytes), (ushort)endPoint.Port)
            : FromIPv6(bytes, (ushort)endPoint.Port);
    }

    /// <summary>
    /// Reads the sockaddr inside a <see cref="SocketAddress"/> without allocating. sockaddr_in and sockaddr_in6
    /// keep the port at bytes 2..4 and the address at 4..8 / 8..24 on every platform .NET runs on.
    /// </summary>
    public static bool TryFromSocketAddress(SocketAddress socketAddress, out StunAddress address)
    {
        ArgumentNullException.ThrowIfNull(socketAddress);
        var raw = socketAddress.Buffer.Span[..socketAddress.Size];
        switch (socketAddress.Family)
        {
            case AddressFamily.InterNetwork when raw.Length >= 8:
                address = FromIPv4(BinaryPrimitives.ReadUInt32BigEndian(raw[4..]), BinaryPrimitives.ReadUInt16BigEndian(raw[2..]));
                return true;
            case AddressFamily.InterNetworkV6 when raw.Length >= 24:
                address = FromIPv6(raw.Slice(8, 16), BinaryPrimitives.ReadUInt16BigEndian(raw[2..]));
                return true;
            default:
                address = default;
                return false;
        }
    }

    /// <summary>Writes the 4 or 16 address bytes.</summary>
    public void WriteAddressBytes(Span<byte> destination)
    {
        if (IsIPv4)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)_low);
        }
        else
        {
            BinaryPrimitives.WriteUInt64BigEndian(destination, _high);
            BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _low);
        }
    }

    /// <summary>Allocates; for clients, logs and tests, not the server path.</summary>
    public IPEndPoint ToEndPoint()
    {
        Span<byte> bytes = stackalloc byte[16];
        WriteAddressBytes(bytes);
        return new IPEndPoint(new IPAddress(bytes[..AddressLength]), Port);
    }

    public bool Equals(StunAddress other) =>
        Family == other.Family && _high == other._high && _low == other._low && Port == other.Port;

    public override bool Equals(object? obj) => obj is StunAddress other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Family, _high, _low, Port);

    public static bool operator ==(StunAddress left, StunAddress right) => left.Equals(right);

    public static bool operator !=(StunAddress left, StunAddress right) => !left.Equals(right);

    public override string ToString() => Family == AddressFamily.Unspecified ? "(none)" : ToEndPoint().ToString();
}
