namespace Nexodus.Mesh.Netsim;

/// <summary>Outcome of a command that ran to completion.</summary>
public sealed record ExecResult(int ExitCode, string StandardOutput, string StandardError)
{
    public bool Succeeded => ExitCode == 0;
}
