using System.Buffers.Binary;
using Microsoft.Extensions.Logging;
using Nexodus.Mesh.Core.Net;

namespace Nexodus.Mesh.Node.WireGuard;

/// <summary>
/// Inbound path. Every datagram is untrusted: a malformed, unauthenticated, replayed or misrouted one is
/// dropped with a counter and a Trace log, never an exception.
/// </summary>
internal sealed partial class Device
{
    private DateTimeOffset _underLoadUntil = DateTimeOffset.MinValue;

    /// <summary>Entry point for every datagram from the bind, and for packets the relay client delivers.</summary>
    public void HandleDatagram(Endpoint from, Span<byte> datagram)
    {
        var interceptor = Interceptor;
        if (interceptor is not null && interceptor.TryClaim(from, datagram))
        {
            Counters.Intercepted.Increment();
            return;
        }

        if (datagram.Length < 4)
        {
            Drop(from, Counters.Malformed, "short");
            return;
        }

        switch ((MessageType)datagram[0])
        {
            case MessageType.Initiation when MessageInitiation.IsWellFormed(datagram):
            case MessageType.Response when MessageResponse.IsWellFormed(datagram):
            case MessageType.CookieReply when MessageCookieReply.IsWellFormed(datagram):
                EnqueueHandshake(from, datagram);
                return;
            case MessageType.Transport when MessageTransport.IsWellFormed(datagram):
                HandleTransport(from, datagram);
                return;
            default:
                Drop(from, Counters.Malformed, "unknown type or size");
                return;
        }
    }

    private void HandleTransport(Endpoint from, Span<byte> msg)
    {
        if (!Indices.TryLookup(MessageTransport.Receiver(msg), out var entry) || entry.Keypair is null)
        {
            Drop(from, Counters.UnknownIndex, "unknown receiver index");
            return;
        }

        var kp = entry.Keypair;
        var peer = entry.Peer;
        if (Time.GetUtcNow() - kp.Created >= Protocol.RejectAfterTime)
        {
            Drop(from, Counters.ExpiredKeypair, "expired keypair");
            return;
        }

        var counter = MessageTransport.Counter(msg);
        var body = msg[MessageTransport.HeaderSize..^Protocol.AeadTagSize];
        if (!kp.Open(counter, body, msg[^Protocol.AeadTagSize..]))
        {
            Drop(from, Counters.DecryptFailed, "authentication failed");
            return;
        }

        if (!kp.ValidateCounter(counter))
        {
            Drop(from, Counters.Replayed, "replayed counter");
            return;
        }

        peer.SetEndpointFromPacket(from);
        if (peer.ReceivedWithKeypair(kp))
        {
            peer.TimersHandshakeComplete();
            peer.SendStagedPackets();
        }

        peer.KeepKeyFreshReceiving();
        peer.TimersAnyAuthenticatedPacketTraversal();
        peer.TimersAnyAuthenticatedPacketReceived();
        peer.AddRx(msg.Length);

        if (body.IsEmpty)
        {
            return; // keepalive
        }

        peer.TimersDataReceived();
        if (!TryGetInnerPacket(body, out var length, out var source))
        {
            Drop(from, Counters.Malformed, "not an IP packet");
            return;
        }

        if (!ReferenceEquals(AllowedIps.Lookup(body.Slice(source.Offset, source.Length)), peer))
        {
            Drop(from, Counters.DisallowedSource, "source address not allowed for this peer");
            return;
        }

        // After the allowed-IPs check, so the filter only ever judges sources the peer may use.
        var firewall = Firewall;
        if (firewall is not null && !firewall.AllowInbound(body[..length]))
        {
            return; // counted (by direction and reason) in the firewall
        }

        Tun.Write(body[..length]);
    }

    /// <summary>Finds the real length (strips padding) and the source address of a decrypted IP packet.</summary>
    private static bool TryGetInnerPacket(ReadOnlySpan<byte> packet, out int length, out (int Offset, int Length) source)
    {
        length = 0;
        source = default;
        switch (packet[0] >> 4)
        {
            case 4 when packet.Length >= 20:
                length = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);
                source = (12, 4);
                return length >= 20 && length <= packet.Length;
            case 6 when packet.Length >= 40:
                length = 40 + BinaryPrimitives.ReadUInt16BigEndian(packet[4..]);
                source = (8, 16);
                return length <= packet.Length;
            default:
                return false;
        }
    }

    private bool IsUnderLoad()
    {
        var now = Time.GetUtcNow();
        if (_handshakes.Reader.Count >= Options.UnderLoadThreshold)
        {
            if (_underLoadUntil < now)
            {
                Log.UnderLoad(_logger);
            }

            _underLoadUntil = now + Options.UnderLoadAfterTime;
            return true;
        }

        return _underLoadUntil > now;
    }

    private void HandleHandshake(Endpoint from, Span<byte> msg)
    {
        if ((MessageType)msg[0] == MessageType.CookieReply)
        {
            if (Indices.TryLookup(MessageCookieReply.Receiver(msg), out var entry) && entry.Peer.Cookies.ConsumeReply(msg))
            {
                Counters.CookieRepliesAccepted.Increment();
            }
            else
            {
                Drop(from, Counters.HandshakeRejected, "cookie reply did not authenticate");
            }

            return;
        }

        var isInitiation = (MessageType)msg[0] == MessageType.Initiation;
        var mac1Offset = isInitiation ? MessageInitiation.Mac1Offset : MessageResponse.Mac1Offset;
        if (!CookieChecker.CheckMac1(msg, mac1Offset))
        {
            Drop(from, Counters.InvalidMac1, "invalid mac1");
            return;
        }

        if (IsUnderLoad())
        {
            if (!CookieChecker.CheckMac2(msg, mac1Offset + Protocol.MacSize, from.CookieBytes))
            {
                Span<byte> reply = stackalloc byte[MessageCookieReply.Size];
                var sender = isInitiation ? MessageInitiation.Sender(msg) : MessageResponse.Sender(msg);
                CookieChecker.CreateReply(msg, sender, mac1Offset, from.CookieBytes, reply);
                Bind.Send(from, reply);
                Counters.CookieRepliesSent.Increment();
                return;
            }

            if (!RateLimiter.Allow(from.SourceBytes))
            {
                Drop(from, Counters.RateLimited, "handshake rate limit");
                return;
            }
        }

        if (isInitiation)
        {
            var peer = ConsumeInitiation(msg);
            if (peer is null)
            {
                Drop(from, Counters.HandshakeRejected, "initiation did not authenticate");
                return;
            }

            peer.SetEndpointFromPacket(from);
            peer.TimersAnyAuthenticatedPacketTraversal();
            peer.TimersAnyAuthenticatedPacketReceived();
            peer.AddRx(msg.Length);
            peer.SendHandshakeResponse();
            Log.HandshakeComplete(_logger, peer.ToString(), "responder");
        }
        else
        {
            var peer = ConsumeResponse(msg);
            if (peer is null)
            {
                Drop(from, Counters.HandshakeRejected, "response did not authenticate");
                return;
            }

            peer.SetEndpointFromPacket(from);
            peer.TimersAnyAuthenticatedPacketTraversal();
            peer.TimersAnyAuthenticatedPacketReceived();
            peer.AddRx(msg.Length);
            if (!BeginSymmetricSession(peer))
            {
                return;
            }

            peer.TimersSessionDerived();
            peer.TimersHandshakeComplete();
            Log.HandshakeComplete(_logger, peer.ToString(), "initiator");
            peer.SendKeepalive();
        }
    }

    /// <summary>Outbound: route an IP packet read from the TUN to the peer that owns its destination.</summary>
    private Peer? RouteOutbound(byte[] buffer, int offset, int length)
    {
        var packet = buffer.AsSpan(offset, length);
        ReadOnlySpan<byte> destination;
        if (length >= 20 && packet[0] >> 4 == 4)
        {
            destination = packet.Slice(16, 4);
        }
        else if (length >= 40 && packet[0] >> 4 == 6)
        {
            destination = packet.Slice(24, 16);
        }
        else
        {
            Counters.Malformed.Increment();
            return null;
        }

        var peer = AllowedIps.Lookup(destination);
        if (peer is null)
        {
            Counters.NoRoute.Increment();
        }

        return peer;
    }

    private void Drop(Endpoint from, DeviceCounters.Counter counter, string reason)
    {
        counter.Increment();
        if (_logger.IsEnabled(LogLevel.Trace))
        {
            Log.Dropped(_logger, from.ToString() ?? "?", reason);
        }
    }
}
