namespace Nexodus.Mesh.Node.ControlPlane;

/// <summary>A VPC the signed-in user may enroll into.</summary>
internal sealed record VpcChoice(Guid Id, string Name);
