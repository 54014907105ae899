namespace Nexodus.Mesh.Netsim.Scenarios;

/// <summary>A scenario file or description is invalid; <see cref="Field"/> names the offending field.</summary>
public sealed class ScenarioException : Exception
{
    public ScenarioException()
    {
    }

    public ScenarioException(string message)
        : base(message)
    {
    }

    public ScenarioException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ScenarioException(string field, string message, Exception? innerException = null)
        : base($"{field}: {message}", innerException)
    {
        Field = field;
    }

    /// <summary>Path of the offending field, e.g. <c>routers.home.nat.mapping</c>; null when not field-specific.</summary>
    public string? Field { get; }
}
