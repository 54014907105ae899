namespace Nexodus.Mesh.Control.Storage;

internal enum InvitationStatus
{
    Pending = 0,
    Accepted = 1,
    Declined = 2,
    Revoked = 3,
}
