namespace Nexodus.Mesh.Netsim;

/// <summary>Building or driving a lab failed (a command failed, not root, unknown run...).</summary>
public sealed class NetsimException : Exception
{
    public NetsimException()
    {
    }

    public NetsimException(string message)
        : base(message)
    {
    }

    public NetsimException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
