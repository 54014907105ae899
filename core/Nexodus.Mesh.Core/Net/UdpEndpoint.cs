using System.Net;
using System.Net.Sockets;

namespace Nexodus.Mesh.Core.Net;

/// <summary>A UDP address and port. Keeps the <see cref="SocketAddress"/> so sends need no conversion.</summary>
public sealed class UdpEndpoint : Endpoint
{
    private readonly byte[] _addressBytes;
    private readonly byte[] _cookieBytes;

    public UdpEndpoint(IPEndPoint address)
    {
        // v4-mapped v6 addresses are normalised so one peer is one endpoint whichever socket saw it.
        Address = address.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(address.Address.MapToIPv4(), address.Port) : address;
        SocketAddress = Address.Serialize();
        _addressBytes = Address.Address.GetAddressBytes();
        _cookieBytes = [.. _addressBytes, (byte)(Address.Port >> 8), (byte)Address.Port];
    }

    public IPEndPoint Address { get; }

    public SocketAddress SocketAddress { get; }

    public AddressFamily Family => Address.AddressFamily;

    public override ReadOnlySpan<byte> SourceBytes => _addressBytes;

    public override ReadOnlySpan<byte> CookieBytes => _cookieBytes;

    public static UdpEndpoint Parse(string text) => new(IPEndPoint.Parse(text));

    public override bool Equals(Endpoint? other) => other is UdpEndpoint u && u.Address.Equals(Address);

    public override int GetHashCode() => Address.GetHashCode();

    public override string ToString() => Address.ToString();
}
