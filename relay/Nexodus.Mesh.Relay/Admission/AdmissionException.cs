namespace Nexodus.Mesh.Relay.Admission;

/// <summary>The admission token was refused; the reason is safe to log and to send to the client.</summary>
public sealed class AdmissionException : Exception
{
    public AdmissionException()
        : this("admission refused")
    {
    }

    public AdmissionException(string reason)
        : base(reason)
    {
    }

    public AdmissionException(string reason, Exception inner)
        : base(reason, inner)
    {
    }
}
