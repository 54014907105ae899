namespace Nexodus.Mesh.Relay.Protocol;

/// <summary>
/// A protocol violation by the remote side. It ends that one session (never the process); the reason is logged
/// and counted. Parsers throw only this type; "not enough bytes yet" is a <c>false</c> from a TryRead method.
/// </summary>
public sealed class RelayProtocolException : Exception
{
    public RelayProtocolException()
        : this("protocol violation")
    {
    }

    public RelayProtocolException(string reason)
        : base(reason) => Reason = reason;

    public RelayProtocolException(string reason, Exception inner)
        : base(reason, inner) => Reason = reason;

    public string Reason { get; }
}
