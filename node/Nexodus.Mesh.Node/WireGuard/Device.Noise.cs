using System.Buffers.Binary;
using System.Security.Cryptography;
using Nexodus.Mesh.Core.Keys;

namespace Nexodus.Mesh.Node.WireGuard;

/// <summary>
/// Noise_IKpsk2 message construction and consumption (whitepaper §5.4.2–5.4.5). Consumers compute on local
/// copies and commit to the peer's handshake only after every AEAD has authenticated, so unauthenticated
/// input never changes session state.
/// </summary>
internal sealed partial class Device
{
    /// <summary>Writes the first 116 bytes of an initiation (macs are added by the peer's cookie generator).</summary>
    internal bool CreateInitiation(Peer peer, Span<byte> msg)
    {
        var id = _identity;
        if (id is null)
        {
            return false;
        }

        Span<byte> key = stackalloc byte[Protocol.KeySize];
        Span<byte> dh = stackalloc byte[Protocol.KeySize];
        Span<byte> timestamp = stackalloc byte[Protocol.TimestampSize];
        var hs = peer.Handshake;
        try
        {
            lock (peer.Sync)
            {
                if (!hs.StaticStaticValid)
                {
                    return false;
                }

                if (hs.LocalIndex != 0)
                {
                    Indices.Delete(hs.LocalIndex);
                }

                hs.Clear();
                NoiseConstants.InitialChainKey.CopyTo(hs.ChainKey);
                Blake2s.Hash(NoiseConstants.InitialHash, hs.RemoteStatic.Span, hs.Hash);

                var ephemeral = PrivateKey.Generate();
                hs.LocalEphemeral = ephemeral;
                msg[..MessageInitiation.Size].Clear();
                msg[0] = (byte)MessageType.Initiation;
                hs.LocalIndex = Indices.NewIndexForHandshake(peer);
                BinaryPrimitives.WriteUInt32LittleEndian(msg[MessageInitiation.SenderOffset..], hs.LocalIndex);

                var e = msg.Slice(MessageInitiation.EphemeralOffset, Protocol.KeySize);
                ephemeral.PublicKey.Span.CopyTo(e);
                Blake2s.MixHash(hs.Hash, e);
                Blake2s.Kdf(hs.ChainKey, e, hs.ChainKey);

                if (!ephemeral.TryAgreeRaw(hs.RemoteStatic, dh))
                {
                    return false;
                }

                Blake2s.Kdf(hs.ChainKey, dh, hs.ChainKey, key);
                var encryptedStatic = msg.Slice(MessageInitiation.StaticOffset, MessageInitiation.StaticLength);
                NoiseAead.Seal(key, id.PublicKey.Span, hs.Hash, encryptedStatic);
                Blake2s.MixHash(hs.Hash, encryptedStatic);

                Blake2s.Kdf(hs.ChainKey, hs.PrecomputedStaticStatic, hs.ChainKey, key);
                Tai64n.Write(Time.GetUtcNow(), timestamp);
                var encryptedTimestamp = msg.Slice(MessageInitiation.TimestampOffset, MessageInitiation.TimestampLength);
                NoiseAead.Seal(key, timestamp, hs.Hash, encryptedTimestamp);
                Blake2s.MixHash(hs.Hash, encryptedTimestamp);

                hs.State = HandshakeState.InitiationCreated;
                return true;
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(dh);
        }
    }

    /// <summary>Authenticates an initiation (mac1 already checked) and returns the peer it came from, or null.</summary>
    internal Peer? ConsumeInitiation(ReadOnlySpan<byte> msg)
    {
        var id = _identity;
        if (id is null || !MessageInitiation.IsWellFormed(msg))
        {
            return null;
        }

        Span<byte> hash = stackalloc byte[Protocol.HashSize];
        Span<byte> chainKey = stackalloc byte[Protocol.HashSize];
        Span<byte> key = stackalloc byte[Protocol.KeySize];
        Span<byte> dh = stackalloc byte[Protocol.KeySize];
        Span<byte> peerStatic = stackalloc byte[Protocol.KeySize];
        Span<byte> timestamp = stackalloc byte[Protocol.TimestampSize];
        try
        {
            id.InitialHashForUs.CopyTo(hash);
            NoiseConstants.InitialChainKey.CopyTo(chainKey);

            var e = msg.Slice(MessageInitiation.EphemeralOffset, Protocol.KeySize);
            Blake2s.MixHash(hash, e);
            Blake2s.Kdf(chainKey, e, chainKey);

            if (!id.PrivateKey.TryAgreeRaw(PublicKey.FromBytes(e), dh))
            {
                return null;
            }

            Blake2s.Kdf(chainKey, dh, chainKey, key);
            var encryptedStatic = msg.Slice(MessageInitiation.StaticOffset, MessageInitiation.StaticLength);
            if (!NoiseAead.Open(key, encryptedStatic, hash, peerStatic))
            {
                return null;
            }

            Blake2s.MixHash(hash, encryptedStatic);
            var peer = LookupPeer(PublicKey.FromBytes(peerStatic));
            if (peer is null)
            {
                return null;
            }

            var hs = peer.Handshake;
            lock (peer.Sync)
            {
                if (!hs.StaticStaticValid)
                {
                    return null;
                }

                Blake2s.Kdf(chainKey, hs.PrecomputedStaticStatic, chainKey, key);
            }

            var encryptedTimestamp = msg.Slice(MessageInitiation.TimestampOffset, MessageInitiation.TimestampLength);
            if (!NoiseAead.Open(key, encryptedTimestamp, hash, timestamp))
            {
                return null;
            }

            Blake2s.MixHash(hash, encryptedTimestamp);
            var now = Time.GetUtcNow();
            lock (peer.Sync)
            {
                // Replay: the timestamp must grow; flood: at most one initiation per HandshakeInitiationRate.
                if (!Tai64n.After(timestamp, hs.LatestTimestamp) || now - hs.LastInitiationConsumed < Protocol.HandshakeInitiationRate)
                {
                    return null;
                }

                if (hs.LocalIndex != 0)
                {
                    Indices.Delete(hs.LocalIndex);
                }

                hs.Clear();
                hash.CopyTo(hs.Hash);
                chainKey.CopyTo(hs.ChainKey);
                e.CopyTo(hs.RemoteEphemeral);
                hs.RemoteIndex = MessageInitiation.Sender(msg);
                timestamp.CopyTo(hs.LatestTimestamp);
                hs.LastInitiationConsumed = now;
                hs.State = HandshakeState.InitiationConsumed;
            }

            return peer;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(chainKey);
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(dh);
        }
    }

    /// <summary>Writes the first 60 bytes of a response to the initiation the peer's handshake consumed.</summary>
    internal bool CreateResponse(Peer peer, Span<byte> msg)
    {
        Span<byte> key = stackalloc byte[Protocol.KeySize];
        Span<byte> dh = stackalloc byte[Protocol.KeySize];
        Span<byte> tau = stackalloc byte[Protocol.HashSize];
        var hs = peer.Handshake;
        try
        {
            lock (peer.Sync)
            {
                if (hs.State != HandshakeState.InitiationConsumed)
                {
                    return false;
                }

                msg[..MessageResponse.Size].Clear();
                msg[0] = (byte)MessageType.Response;
                hs.LocalIndex = Indices.NewIndexForHandshake(peer);
                BinaryPrimitives.WriteUInt32LittleEndian(msg[MessageResponse.SenderOffset..], hs.LocalIndex);
                BinaryPrimitives.WriteUInt32LittleEndian(msg[MessageResponse.ReceiverOffset..], hs.RemoteIndex);

                var ephemeral = PrivateKey.Generate();
                hs.LocalEphemeral = ephemeral;
                var e = msg.Slice(MessageResponse.EphemeralOffset, Protocol.KeySize);
                ephemeral.PublicKey.Span.CopyTo(e);
                Blake2s.MixHash(hs.Hash, e);
                Blake2s.Kdf(hs.ChainKey, e, hs.ChainKey);

                if (!ephemeral.TryAgreeRaw(PublicKey.FromBytes(hs.RemoteEphemeral), dh))
                {
                    return false;
                }

                Blake2s.Kdf(hs.ChainKey, dh, hs.ChainKey);
                if (!ephemeral.TryAgreeRaw(hs.RemoteStatic, dh))
                {
                    return false;
                }

                Blake2s.Kdf(hs.ChainKey, dh, hs.ChainKey);
                Blake2s.Kdf(hs.ChainKey, hs.PresharedKey, hs.ChainKey, tau, key);
                Blake2s.MixHash(hs.Hash, tau);
                var empty = msg.Slice(MessageResponse.EmptyOffset, Protocol.AeadTagSize);
                NoiseAead.Seal(key, [], hs.Hash, empty);
                Blake2s.MixHash(hs.Hash, empty);
                hs.State = HandshakeState.ResponseCreated;
                return true;
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(dh);
            CryptographicOperations.ZeroMemory(tau);
        }
    }

    /// <summary>Authenticates a response to our pending initiation; returns the peer, or null.</summary>
    internal Peer? ConsumeResponse(ReadOnlySpan<byte> msg)
    {
        var id = _identity;
        if (id is null || !MessageResponse.IsWellFormed(msg))
        {
            return null;
        }

        if (!Indices.TryLookup(MessageResponse.Receiver(msg), out var entry) || entry.Keypair is not null)
        {
            return null;
        }

        var peer = entry.Peer;
        var hs = peer.Handshake;
        Span<byte> hash = stackalloc byte[Protocol.HashSize];
        Span<byte> chainKey = stackalloc byte[Protocol.HashSize];
        Span<byte> key = stackalloc byte[Protocol.KeySize];
        Span<byte> dh = stackalloc byte[Protocol.KeySize];
        Span<byte> tau = stackalloc byte[Protocol.HashSize];
        try
        {
            lock (peer.Sync)
            {
                if (hs.State != HandshakeState.InitiationCreated || hs.LocalIndex != MessageResponse.Receiver(msg) || hs.LocalEphemeral is null)
                {
                    return null;
                }

                hs.Hash.CopyTo(hash);
                hs.ChainKey.CopyTo(chainKey);
                var e = msg.Slice(MessageResponse.EphemeralOffset, Protocol.KeySize);
                Blake2s.MixHash(hash, e);
                Blake2s.Kdf(chainKey, e, chainKey);

                var remoteEphemeral = PublicKey.FromBytes(e);
                if (!hs.LocalEphemeral.TryAgreeRaw(remoteEphemeral, dh))
                {
                    return null;
                }

                Blake2s.Kdf(chainKey, dh, chainKey);
                if (!id.PrivateKey.TryAgreeRaw(remoteEphemeral, dh))
                {
                    return null;
                }

                Blake2s.Kdf(chainKey, dh, chainKey);
                Blake2s.Kdf(chainKey, hs.PresharedKey, chainKey, tau, key);
                Blake2s.MixHash(hash, tau);
                var empty = msg.Slice(MessageResponse.EmptyOffset, Protocol.AeadTagSize);
                if (!NoiseAead.Open(key, empty, hash, []))
                {
                    return null;
                }

                Blake2s.MixHash(hash, empty);
                hash.CopyTo(hs.Hash);
                chainKey.CopyTo(hs.ChainKey);
                hs.RemoteIndex = MessageResponse.Sender(msg);
                hs.State = HandshakeState.ResponseConsumed;
                return peer;
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(chainKey);
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(dh);
        }
    }

    /// <summary>Derives the transport keypair from a finished handshake and rotates it into the peer's slots.</summary>
    internal bool BeginSymmetricSession(Peer peer)
    {
        Span<byte> first = stackalloc byte[Protocol.KeySize];
        Span<byte> second = stackalloc byte[Protocol.KeySize];
        var hs = peer.Handshake;
        try
        {
            lock (peer.Sync)
            {
                bool isInitiator;
                if (hs.State == HandshakeState.ResponseConsumed)
                {
                    isInitiator = true;
                }
                else if (hs.State == HandshakeState.ResponseCreated)
                {
                    isInitiator = false;
                }
                else
                {
                    return false;
                }

                Blake2s.Kdf(hs.ChainKey, [], first, second);
                var keypair = isInitiator
                    ? new Keypair(first, second, true, Time.GetUtcNow(), hs.LocalIndex, hs.RemoteIndex)
                    : new Keypair(second, first, false, Time.GetUtcNow(), hs.LocalIndex, hs.RemoteIndex);
                Indices.SwapToKeypair(hs.LocalIndex, keypair);
                hs.LocalIndex = 0; // now owned by the keypair
                hs.Clear();
                peer.InstallKeypair(keypair);
                Counters.HandshakesCompleted.Increment();
                return true;
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(first);
            CryptographicOperations.ZeroMemory(second);
        }
    }
}
