using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Nexodus.Mesh.Netsim;

/// <summary>
/// Names of everything netsim creates. Only namespaces are visible outside a lab; every one is
/// <c>nsim-&lt;run&gt;-&lt;node&gt;</c>, so a sweep can find all of them (and only them) by prefix. Interfaces and
/// nftables tables live inside those namespaces and disappear with them.
/// </summary>
internal static partial class Naming
{
    public const string NamespacePrefix = "nsim-";
    public const string NetnsDirectory = "/run/netns";
    public const string DefaultStateRoot = "/run/netsim";
    public const int MaxRunNameLength = 8;

    [GeneratedRegex("^[a-z0-9]{1,8}$")]
    private static partial Regex RunNamePattern();

    public static string NamespaceName(string run, string node) => $"{NamespacePrefix}{run}-{node}";

    /// <summary>Bridge-side end of a node's veth inside a network namespace (unique per network).</summary>
    public static string BridgePort(string node) => $"v-{node}";

    public static bool IsValidRunName(string run) => RunNamePattern().IsMatch(run);

    public static void CheckRunName(string run)
    {
        if (!IsValidRunName(run))
        {
            throw new NetsimException($"run name '{run}' must be 1-{MaxRunNameLength} lowercase letters or digits");
        }
    }

    public static string NewRunName()
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        Span<char> chars = stackalloc char[6];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)];
        }

        return new string(chars);
    }

    /// <summary>Run name of a netsim namespace, or null when the namespace is not one of ours.</summary>
    public static string? RunOf(string namespaceName)
    {
        if (!namespaceName.StartsWith(NamespacePrefix, StringComparison.Ordinal))
        {
            return null;
        }

        var rest = namespaceName[NamespacePrefix.Length..];
        var dash = rest.IndexOf('-', StringComparison.Ordinal);
        if (dash <= 0)
        {
            return null;
        }

        var run = rest[..dash];
        return IsValidRunName(run) ? run : null;
    }
}
