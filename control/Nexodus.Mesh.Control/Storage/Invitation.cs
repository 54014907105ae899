namespace Nexodus.Mesh.Control.Storage;

/// <summary>
/// An invitation to an organization, addressed to a known user id or to an e-mail address. E-mail only routes the
/// invitation to an inbox; the membership it creates is keyed by the accepting user's (issuer, subject).
/// </summary>
internal sealed class Invitation
{
    public Guid Id { get; set; }

    public Guid OrganizationId { get; set; }

    public Guid? InviteeUserId { get; set; }

    public string? InviteeEmail { get; set; }

    public Role Role { get; set; }

    public InvitationStatus Status { get; set; }

    public Guid CreatedBy { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }
}
