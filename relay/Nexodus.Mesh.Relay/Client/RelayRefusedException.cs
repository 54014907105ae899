namespace Nexodus.Mesh.Relay.Client;

/// <summary>The relay refused the handshake (bad token, key proof, version); the message is the relay's reason.</summary>
public sealed class RelayRefusedException : Exception
{
    public RelayRefusedException()
        : this("relay refused the connection")
    {
    }

    public RelayRefusedException(string message)
        : base(message)
    {
    }

    public RelayRefusedException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
