using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Nexodus.Mesh.Netsim.Scenarios;

/// <summary>Reads scenario files. YAML is the format; JSON is accepted too (YAML 1.2 is a superset of it).</summary>
public static partial class ScenarioFile
{
    private static readonly IDeserializer Deserializer = new DeserializerBuilder()
        .WithNamingConvention(CamelCaseNamingConvention.Instance)
        .WithDuplicateKeyChecking()
        .Build();

    [GeneratedRegex("Property '(?<p>[^']*)' not found on type '(?<t>[^']*)'")]
    private static partial Regex UnknownPropertyPattern();

    /// <summary>Loads and validates a scenario file; errors name the file, the field and what is wrong.</summary>
    public static Scenario Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ScenarioException($"cannot read scenario file '{path}': {e.Message}", e);
        }

        try
        {
            return Parse(text);
        }
        catch (ScenarioException e)
        {
            throw new ScenarioException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>Parses and validates scenario text (YAML or JSON).</summary>
    public static Scenario Parse(string text)
    {
        ScenarioDocument? doc;
        try
        {
            doc = Deserializer.Deserialize<ScenarioDocument?>(text);
        }
        catch (YamlException e)
        {
            throw Describe(e);
        }

        if (doc is null)
        {
            throw new ScenarioException("the scenario is empty");
        }

        return ScenarioValidator.Validate(doc);
    }

    private static ScenarioException Describe(YamlException e)
    {
        var where = $"line {e.Start.Line}, column {e.Start.Column}";
        var inner = e;
        while (inner.InnerException is YamlException deeper)
        {
            inner = deeper;
        }

        var m = UnknownPropertyPattern().Match(inner.Message);
        if (m.Success)
        {
            var section = m.Groups["t"].Value switch
            {
                var t when t.EndsWith(nameof(ScenarioDocument), StringComparison.Ordinal) => "the top level (known: name, description, expect, networks, routers, hosts)",
                var t when t.EndsWith(nameof(RouterDocument), StringComparison.Ordinal) => "a router (known: wan, wanAddress, lan, lanAddress, nat, firewall)",
                var t when t.EndsWith(nameof(NatDocument), StringComparison.Ordinal) => "a router's nat block (known: mapping, filtering, hairpin, mappingTimeout)",
                var t when t.EndsWith(nameof(HostDocument), StringComparison.Ordinal) => "a host (known: network, address, addresses)",
                var t when t.EndsWith(nameof(ExpectDocument), StringComparison.Ordinal) => "expect (known: host, server, mapping, filtering, hairpin, udp, natLayers)",
                var t => t,
            };
            return new ScenarioException(m.Groups["p"].Value, $"unknown field at {where} in {section}", e);
        }

        var detail = e.InnerException?.Message ?? e.Message;
        if (detail.Contains("same key", StringComparison.Ordinal))
        {
            detail = "a name appears twice in the same section";
        }
        else if (e.InnerException is not null)
        {
            detail = "wrong shape here (a list, map or value was expected instead): " + detail;
        }

        return new ScenarioException($"invalid scenario at {where}: {detail}", e);
    }
}
