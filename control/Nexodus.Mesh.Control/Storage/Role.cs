namespace Nexodus.Mesh.Control.Storage;

/// <summary>Role in an organization, ordered by power so that comparisons read naturally.</summary>
internal enum Role
{
    Member = 0,
    Admin = 1,
    Owner = 2,
}
