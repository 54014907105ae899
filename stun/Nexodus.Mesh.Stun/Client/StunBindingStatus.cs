namespace Nexodus.Mesh.Stun.Client;

public enum StunBindingStatus
{
    /// <summary>A success response arrived.</summary>
    Success,
    /// <summary>An error response arrived (see <see cref="StunBindingResult.ErrorCode"/>).</summary>
    ErrorResponse,
    /// <summary>No response within the retransmission schedule.</summary>
    Timeout,
}
