namespace Nexodus.Mesh.Node.Agent;

/// <summary>Ends `nexd up` with an exit code and one `nexd: error:` line.</summary>
internal sealed class AgentExitException(int exitCode, string message) : Exception(message)
{
    public const int Runtime = 1;
    public const int BadConfig = 2;
    public const int Refused = 3;
    public const int Unreachable = 4;

    public int ExitCode { get; } = exitCode;
}
