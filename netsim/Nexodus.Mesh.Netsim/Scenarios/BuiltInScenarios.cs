namespace Nexodus.Mesh.Netsim.Scenarios;

/// <summary>The scenario files of <c>netsim/scenarios/</c>, embedded in this assembly.</summary>
public static class BuiltInScenarios
{
    private const string Prefix = "scenarios/";
    private const string Suffix = ".yaml";

    /// <summary>Names of the built-in scenarios (file names without <c>.yaml</c>), sorted.</summary>
    public static IReadOnlyList<string> Names { get; } =
        typeof(BuiltInScenarios).Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal) && n.EndsWith(Suffix, StringComparison.Ordinal))
            .Select(n => n[Prefix.Length..^Suffix.Length])
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>The YAML text of a built-in scenario.</summary>
    public static string Text(string name)
    {
        using var stream = typeof(BuiltInScenarios).Assembly.GetManifestResourceStream(Prefix + name + Suffix)
            ?? throw new KeyNotFoundException($"no built-in scenario '{name}' (known: {string.Join(", ", Names)})");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Parses a built-in scenario, e.g. <c>Load("eim-apdf")</c>.</summary>
    public static Scenario Load(string name) => ScenarioFile.Parse(Text(name));
}
