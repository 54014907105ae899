using Nexodus.Mesh.Core.Keys;

namespace Nexodus.Mesh.Node.Disco;

/// <summary>
/// The sealed disco datagram, on the shared UDP socket and (as PacketKind.Disco) over the relay:
/// <code>
///  0        6                          38
/// +--------+--------------------------+-----------------------------------------------+
/// | "NXDSC" 0x01 | sender disco key (32) | Box: nonce(12) | ChaCha20-Poly1305(message) | tag(16) |
/// +--------+--------------------------+-----------------------------------------------+
/// </code>
/// The magic tells disco from WireGuard (first byte 1..4 then three zero bytes) and from STUN (top two bits 00 and
/// the magic cookie at offset 4): 'N' = 0x4E has its top bits 01. The box is core's authenticated <see cref="Box"/>
/// between the two disco keys (X25519 + HKDF-SHA256 with both public keys as salt), so only the holder of the
/// sender's disco private key can have made it, and the sender key in the clear cannot be swapped.
/// </summary>
internal static class DiscoPacket
{
    public const int MagicSize = 6;
    public const int HeaderSize = MagicSize + PublicKey.Size;
    public const int Overhead = HeaderSize + Box.Overhead;

    /// <summary>Largest plaintext we seal or accept (a padded ping for path MTU probing stays below a 1500-byte MTU).</summary>
    public const int MaxMessageSize = 1400;

    private static ReadOnlySpan<byte> Magic => "NXDSC\x01"u8;

    private static ReadOnlySpan<byte> Info => "nexodus-mesh disco v1"u8;

    /// <summary>Cheap check for the receive path: magic and a plausible size.</summary>
    public static bool LooksLikeDisco(ReadOnlySpan<byte> datagram) =>
        datagram.Length >= Overhead + DiscoMessage.HeaderSize && datagram.Length <= Overhead + MaxMessageSize && datagram.StartsWith(Magic);

    /// <summary>The claimed sender disco key (unauthenticated until <see cref="TryOpen"/> succeeds).</summary>
    public static bool TryReadSender(ReadOnlySpan<byte> datagram, out PublicKey sender)
    {
        sender = default;
        if (!LooksLikeDisco(datagram))
        {
            return false;
        }

        sender = PublicKey.FromBytes(datagram.Slice(MagicSize, PublicKey.Size));
        return true;
    }

    /// <summary>Seals <paramref name="message"/> from <paramref name="self"/> to <paramref name="recipient"/>; returns the datagram.</summary>
    public static byte[] Seal(PrivateKey self, PublicKey recipient, DiscoMessage message)
    {
        var length = message.Length;
        if (length > MaxMessageSize)
        {
            throw new ArgumentException($"disco message of {length} bytes exceeds {MaxMessageSize}", nameof(message));
        }

        Span<byte> plaintext = stackalloc byte[length];
        message.Write(plaintext);
        var datagram = new byte[Overhead + length];
        Magic.CopyTo(datagram);
        self.PublicKey.Span.CopyTo(datagram.AsSpan(MagicSize));
        Box.Seal(self, recipient, Info, plaintext, datagram.AsSpan(HeaderSize));
        return datagram;
    }

    /// <summary>
    /// Opens and parses a datagram from <paramref name="sender"/> (the disco key we know for the peer). False when it
    /// is malformed, from another key, tampered with, or not a message we understand.
    /// </summary>
    public static bool TryOpen(PrivateKey self, PublicKey sender, ReadOnlySpan<byte> datagram, out DiscoMessage? message)
    {
        message = null;
        if (!LooksLikeDisco(datagram) || !datagram.Slice(MagicSize, PublicKey.Size).SequenceEqual(sender.Span))
        {
            return false;
        }

        var box = datagram[HeaderSize..];
        Span<byte> plaintext = stackalloc byte[box.Length - Box.Overhead];
        return Box.TryOpen(self, sender, Info, box, plaintext, out var written) && DiscoMessage.TryRead(plaintext[..written], out message);
    }
}
