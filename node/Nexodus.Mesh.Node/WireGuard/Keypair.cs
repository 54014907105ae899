using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Nexodus.Mesh.Node.WireGuard;

/// <summary>
/// One derived transport session: send and receive keys, nonce counter, replay filter. Each direction's
/// cipher is guarded by its own lock (the OpenSSL context behind <see cref="ChaCha20Poly1305"/> is not
/// shareable between threads).
/// </summary>
internal sealed class Keypair : IDisposable
{
    private readonly ChaCha20Poly1305 _send;
    private readonly ChaCha20Poly1305 _receive;
    private readonly Lock _sendLock = new();
    private readonly Lock _receiveLock = new();
    private readonly ReplayFilter _replay = new();
    private long _sendNonce = -1;
    private bool _disposed;

    public Keypair(ReadOnlySpan<byte> sendKey, ReadOnlySpan<byte> receiveKey, bool isInitiator, DateTimeOffset created, uint localIndex, uint remoteIndex)
    {
        _send = new ChaCha20Poly1305(sendKey);
        _receive = new ChaCha20Poly1305(receiveKey);
        IsInitiator = isInitiator;
        Created = created;
        LocalIndex = localIndex;
        RemoteIndex = remoteIndex;
    }

    public bool IsInitiator { get; }

    public DateTimeOffset Created { get; }

    public uint LocalIndex { get; }

    public uint RemoteIndex { get; }

    /// <summary>Next nonce to send (number of nonces handed out so far).</summary>
    public ulong SendNonce => (ulong)(Interlocked.Read(ref _sendNonce) + 1);

    /// <summary>Reserves the next send nonce; the caller checks it against RejectAfterMessages.</summary>
    public ulong NextNonce() => (ulong)Interlocked.Increment(ref _sendNonce);

    /// <summary>Makes the keypair unusable for sending (its receive side still works until it is deleted).</summary>
    public void Expire() => Interlocked.Exchange(ref _sendNonce, unchecked((long)Protocol.RejectAfterMessages));

    /// <summary>Encrypts <paramref name="plaintext"/> in place and writes the tag after it.</summary>
    public bool Seal(ulong nonce, Span<byte> plaintext, Span<byte> tag)
    {
        Span<byte> n = stackalloc byte[12];
        n[..4].Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(n[4..], nonce);
        lock (_sendLock)
        {
            if (_disposed)
            {
                return false;
            }

            _send.Encrypt(n, plaintext, plaintext, tag);
            return true;
        }
    }

    /// <summary>Authenticates and decrypts in place. Does not touch the replay window.</summary>
    public bool Open(ulong nonce, Span<byte> ciphertext, ReadOnlySpan<byte> tag)
    {
        Span<byte> n = stackalloc byte[12];
        n[..4].Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(n[4..], nonce);
        lock (_receiveLock)
        {
            if (_disposed)
            {
                return false;
            }

            try
            {
                _receive.Decrypt(n, ciphertext, tag, ciphertext);
                return true;
            }
            catch (AuthenticationTagMismatchException)
            {
                return false;
            }
        }
    }

    /// <summary>Only called after a packet authenticated, so forged counters cannot move the window.</summary>
    public bool ValidateCounter(ulong counter)
    {
        lock (_receiveLock)
        {
            return _replay.ValidateCounter(counter, Protocol.RejectAfterMessages);
        }
    }

    public void Dispose()
    {
        lock (_sendLock)
        {
            lock (_receiveLock)
            {
                if (_disposed)
                {
                    return;
                }

                _disposed = true;
                _send.Dispose();
                _receive.Dispose();
            }
        }
    }
}
