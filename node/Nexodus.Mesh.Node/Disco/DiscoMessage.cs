using System.Net;
using Nexodus.Mesh.Core.Keys;

namespace Nexodus.Mesh.Node.Disco;

/// <summary>
/// A disco message (DESIGN §3) before sealing:
/// <code>
/// type(1) | version(1) = 0 | body
/// ping:          txid(12) | sender node key(32) | padding (zeros, any length)
/// pong:          txid(12) | observed source address(18)
/// call-me-maybe: endpoint(18) × n   (n ≤ MaxEndpoints)
/// </code>
/// Unknown types and versions are rejected (the sender is a peer running something newer: it still has the relay).
/// </summary>
internal abstract record DiscoMessage
{
    public const byte Version = 0;
    public const int HeaderSize = 2;

    /// <summary>Bound on call-me-maybe endpoints, so a message fits in any MTU and a peer cannot make us ping thousands of addresses.</summary>
    public const int MaxEndpoints = 32;

    public abstract DiscoMessageType Type { get; }

    /// <summary>Bytes <see cref="Write"/> produces.</summary>
    public abstract int Length { get; }

    /// <summary>Writes the plaintext; returns its length.</summary>
    public abstract int Write(Span<byte> destination);

    /// <summary>Parses a plaintext; false (never an exception) for anything malformed.</summary>
    public static bool TryRead(ReadOnlySpan<byte> plaintext, out DiscoMessage? message)
    {
        message = null;
        if (plaintext.Length < HeaderSize || plaintext[1] != Version)
        {
            return false;
        }

        var body = plaintext[HeaderSize..];
        switch ((DiscoMessageType)plaintext[0])
        {
            case DiscoMessageType.Ping when body.Length >= DiscoTxId.Size + PublicKey.Size:
                message = new DiscoPing(DiscoTxId.Read(body), PublicKey.FromBytes(body.Slice(DiscoTxId.Size, PublicKey.Size)), body.Length - DiscoTxId.Size - PublicKey.Size);
                return true;
            case DiscoMessageType.Pong when body.Length == DiscoTxId.Size + DiscoAddress.Size:
                if (!DiscoAddress.TryRead(body[DiscoTxId.Size..], out var observed))
                {
                    return false;
                }

                message = new DiscoPong(DiscoTxId.Read(body), observed);
                return true;
            case DiscoMessageType.CallMeMaybe when body.Length % DiscoAddress.Size == 0 && body.Length / DiscoAddress.Size <= MaxEndpoints:
                var endpoints = new List<IPEndPoint>(body.Length / DiscoAddress.Size);
                for (var i = 0; i < body.Length; i += DiscoAddress.Size)
                {
                    if (!DiscoAddress.TryRead(body.Slice(i, DiscoAddress.Size), out var endpoint))
                    {
                        return false;
                    }

                    endpoints.Add(endpoint);
                }

                message = new DiscoCallMeMaybe(endpoints);
                return true;
            default:
                return false;
        }
    }

    protected void WriteHeader(Span<byte> destination)
    {
        if (destination.Length < Length)
        {
            throw new ArgumentException("destination too small", nameof(destination));
        }

        destination[0] = (byte)Type;
        destination[1] = Version;
    }
}
