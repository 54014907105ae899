namespace Nexodus.Mesh.Node.Paths;

/// <summary>Why a disco datagram was dropped (metrics label values are the lower-case names).</summary>
internal enum DiscoDropReason
{
    /// <summary>Magic matched but the envelope is malformed.</summary>
    Malformed,

    /// <summary>The sender disco key is no known peer's.</summary>
    UnknownSender,

    /// <summary>The box did not open or the message did not parse (forged, tampered, other key, unknown type).</summary>
    BadSeal,

    /// <summary>A ping whose node key is not the one the sender's disco key belongs to.</summary>
    KeyMismatch,

    /// <summary>A pong with no outstanding ping of that txid from that address.</summary>
    UnknownTxId,

    /// <summary>A message on a path where it makes no sense (e.g. a ping through the relay).</summary>
    Unexpected,

    /// <summary>Rate limit: a peer sending more call-me-maybe/pings than we answer.</summary>
    RateLimited,
}
