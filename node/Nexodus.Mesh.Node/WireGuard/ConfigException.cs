namespace Nexodus.Mesh.Node.WireGuard;

/// <summary>Bad configuration: the message names the line, the field and what is expected.</summary>
public sealed class ConfigException(int line, string message) : Exception($"line {line}: {message}")
{
    public int Line { get; } = line;
}
