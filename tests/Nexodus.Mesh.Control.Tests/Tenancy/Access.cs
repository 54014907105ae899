namespace Nexodus.Mesh.Control.Tests.Tenancy;

/// <summary>Who an endpoint serves; decides what each outsider of the matrix must get.</summary>
internal enum Access
{
    /// <summary>Not tenant data (login pages, health, JWKS, unknown paths): anyone; no foreign id may appear.</summary>
    Public,

    /// <summary>Any user; the answer is filtered to the caller's organizations (lists, /me, my invitations).</summary>
    AnyUser,

    /// <summary>An object of an organization, usable by its members.</summary>
    Member,

    /// <summary>An object of an organization that only its admins and owners may use.</summary>
    Admin,

    /// <summary>Only the organization's owners.</summary>
    Owner,

    /// <summary>Server administration, not tied to an organization.</summary>
    ServerAdmin,

    /// <summary>Only the user an invitation is addressed to.</summary>
    Invitee,

    /// <summary>A device's own record and stream (device credential; the route names no ids).</summary>
    Device,
}
