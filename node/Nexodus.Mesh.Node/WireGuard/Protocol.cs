namespace Nexodus.Mesh.Node.WireGuard;

/// <summary>Constants fixed by the WireGuard whitepaper (§5.4, §6); tunables live in <see cref="DeviceOptions"/>.</summary>
internal static class Protocol
{
    public const string Construction = "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s";
    public const string Identifier = "WireGuard v1 zx2c4 Jason@zx2c4.com";
    public const string LabelMac1 = "mac1----";
    public const string LabelCookie = "cookie--";

    public const ulong RekeyAfterMessages = 1UL << 60;

    /// <summary>2^64 - 2^13 - 1: leaves room for the replay window below the nonce limit.</summary>
    public const ulong RejectAfterMessages = ulong.MaxValue - (1UL << 13);

    public static readonly TimeSpan RekeyAfterTime = TimeSpan.FromSeconds(120);
    public static readonly TimeSpan RejectAfterTime = TimeSpan.FromSeconds(180);
    public static readonly TimeSpan RekeyAttemptTime = TimeSpan.FromSeconds(90);
    public static readonly TimeSpan RekeyTimeout = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan KeepaliveTimeout = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan CookieRefreshTime = TimeSpan.FromSeconds(120);

    /// <summary>Initiations from one peer closer together than this are dropped (flood protection).</summary>
    public static readonly TimeSpan HandshakeInitiationRate = TimeSpan.FromMilliseconds(20);

    /// <summary>RekeyAttemptTime / RekeyTimeout: retries before giving up on a handshake.</summary>
    public const int MaxTimerHandshakes = 18;

    public const int RekeyTimeoutJitterMaxMs = 334;

    public const int PaddingMultiple = 16;
    public const int AeadTagSize = 16;
    public const int KeySize = 32;
    public const int HashSize = 32;
    public const int MacSize = 16;
    public const int CookieSize = 16;
    public const int CookieNonceSize = 24;
    public const int TimestampSize = 12;
}
