namespace Nexodus.Mesh.Stun.Server;

/// <summary>Why the server did not answer a datagram; each is a label value of <c>nexodus_stun_dropped_total</c>.</summary>
public enum StunDropReason
{
    None = 0,
    TooShort,
    NotStun,
    LengthMismatch,
    MalformedAttribute,
    BadFingerprint,
    /// <summary>A response or indication: answering those could start loops between servers.</summary>
    NotRequest,
    /// <summary>The answer would not fit the response buffer (cannot happen with the built-in sizes).</summary>
    ResponseTooLarge,
    /// <summary>The source address is not IPv4/IPv6 or has port 0.</summary>
    BadSource,
    /// <summary>The operating system refused to send the answer.</summary>
    SendFailed,
}
