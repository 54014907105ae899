using Nexodus.Mesh.Core.Keys;

namespace Nexodus.Mesh.Relay.Protocol;

/// <summary>
/// A key connected to the sending relay, with the VPCs its admission token granted (so the receiving relay can
/// enforce "share a VPC" before forwarding).
/// <code>
/// key(32) | vpc count(1) | vpc id(16, RFC 4122 big-endian) × count | ignored...
/// </code>
/// </summary>
public readonly record struct MeshPeerPresentFrame(PublicKey Key, Guid[] Vpcs)
{
    public const int MinSize = ProtocolConstants.KeySize + 1;

    public static MeshPeerPresentFrame Read(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < MinSize)
        {
            throw new RelayProtocolException($"mesh-peer-present frame is {payload.Length} bytes, needs at least {MinSize}");
        }

        int count = payload[ProtocolConstants.KeySize];
        if (count > ProtocolConstants.MaxVpcsPerKey || payload.Length < MinSize + (16 * count))
        {
            throw new RelayProtocolException($"mesh-peer-present frame announces {count} VPCs but is {payload.Length} bytes");
        }

        var vpcs = new Guid[count];
        for (var i = 0; i < count; i++)
        {
            vpcs[i] = new Guid(payload.Slice(MinSize + (16 * i), 16), bigEndian: true);
        }

        return new MeshPeerPresentFrame(PublicKey.FromBytes(payload[..ProtocolConstants.KeySize]), vpcs);
    }

    public byte[] Encode()
    {
        if (Vpcs.Length > ProtocolConstants.MaxVpcsPerKey)
        {
            throw new ArgumentException($"more than {ProtocolConstants.MaxVpcsPerKey} VPCs");
        }

        var frame = FrameHeader.Allocate(FrameType.MeshPeerPresent, MinSize + (16 * Vpcs.Length));
        var p = frame.AsSpan(ProtocolConstants.HeaderSize);
        Key.Span.CopyTo(p);
        p[ProtocolConstants.KeySize] = (byte)Vpcs.Length;
        for (var i = 0; i < Vpcs.Length; i++)
        {
            Vpcs[i].TryWriteBytes(p.Slice(MinSize + (16 * i), 16), bigEndian: true, out _);
        }

        return frame;
    }
}
