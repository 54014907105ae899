namespace Nexodus.Mesh.EndToEnd.Tests;

/// <summary>One cell of the connectivity grid: two lab hosts (each running nexd) and the path the hole-punch model predicts.</summary>
/// <param name="Name">Row label, e.g. "eim-apdf x apdm-apdf".</param>
/// <param name="A">Host (and nexd hostname) of one side.</param>
/// <param name="B">Host of the other side.</param>
/// <param name="ExpectDirect">True when at least one direction can punch through (HolePunch.Predict), false = relay.</param>
internal sealed record GridCell(string Name, string A, string B, bool ExpectDirect);
