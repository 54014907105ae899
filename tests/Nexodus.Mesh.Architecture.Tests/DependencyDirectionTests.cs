namespace Nexodus.Mesh.Architecture.Tests;

/// <summary>
/// Pins the dependency direction of DESIGN.md §1: core ← stun, relay ← node, control; control may use relay and
/// stun but never node; only control uses EF Core or ASP.NET identity packages; netsim is used only by tests
/// and its own CLI.
/// </summary>
public sealed class DependencyDirectionTests
{
    // Which top-level folders each top-level folder may reference (besides itself).
    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["core"] = [],
        ["stun"] = ["core"],
        ["relay"] = ["core", "stun"],
        ["control"] = ["core", "stun", "relay"],
        ["node"] = ["core", "stun", "relay"],
        ["netsim"] = [],
        ["tests"] = ["core", "stun", "relay", "control", "node", "netsim"],
        ["bench"] = ["core", "stun", "relay", "control", "node", "netsim", "tests"],
    };

    private static readonly string[] ControlOnlyPackagePrefixes =
    [
        "Microsoft.EntityFrameworkCore",
        "Npgsql",
        "Microsoft.AspNetCore.Identity",
        "OpenIddict",
    ];

    [Fact]
    public void Projects_AreFound_InEveryTopLevelFolder()
    {
        var folders = RepositoryLayout.Projects().Select(p => p.TopFolder).ToHashSet();
        foreach (var f in new[] { "core", "stun", "relay", "control", "node", "netsim", "tests" })
        {
            Assert.Contains(f, folders);
        }
    }

    [Fact]
    public void ProjectReferences_FollowDependencyDirection()
    {
        var projects = RepositoryLayout.Projects();
        var folderOf = projects.ToDictionary(p => p.Name, p => p.TopFolder);
        var violations = new List<string>();
        foreach (var p in projects)
        {
            Assert.True(Allowed.ContainsKey(p.TopFolder), $"{p.RelativePath}: top-level folder '{p.TopFolder}' is not in DESIGN.md §1");
            foreach (var r in p.ProjectReferences)
            {
                var target = folderOf.TryGetValue(r, out var f) ? f : "?";
                if (target != p.TopFolder && !Allowed[p.TopFolder].Contains(target))
                {
                    violations.Add($"{p.Name} ({p.TopFolder}) -> {r} ({target})");
                }
            }
        }

        Assert.Empty(violations);
    }

    [Fact]
    public void Netsim_IsReferencedOnlyByTestsAndItsCli()
    {
        var offenders = RepositoryLayout.Projects()
            .Where(p => p.TopFolder is not ("tests" or "netsim" or "bench"))
            .Where(p => p.ProjectReferences.Any(r => r.StartsWith("Nexodus.Mesh.Netsim", StringComparison.Ordinal)))
            .Select(p => p.Name)
            .ToList();
        Assert.Empty(offenders);
    }

    [Fact]
    public void StorageAndIdentityPackages_AreUsedOnlyByControl()
    {
        var offenders = RepositoryLayout.Projects()
            .Where(p => p.TopFolder is not ("control" or "tests" or "bench"))
            .SelectMany(p => p.PackageReferences
                .Where(pkg => ControlOnlyPackagePrefixes.Any(pre => pkg.StartsWith(pre, StringComparison.OrdinalIgnoreCase)))
                .Select(pkg => $"{p.Name} -> {pkg}"))
            .ToList();
        Assert.Empty(offenders);
    }

    [Fact]
    public void Core_HasNoAspNetCore()
    {
        var core = RepositoryLayout.Projects().Where(p => p.TopFolder == "core").ToList();
        Assert.NotEmpty(core);
        foreach (var p in core)
        {
            Assert.DoesNotContain("Web", p.Sdk, StringComparison.Ordinal);
            Assert.DoesNotContain("Microsoft.AspNetCore.App", p.FrameworkReferences);
            Assert.DoesNotContain(p.PackageReferences, r => r.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Control_NeverReferencesNode()
    {
        var control = RepositoryLayout.Projects().Where(p => p.TopFolder == "control").ToList();
        Assert.All(control, p => Assert.DoesNotContain(p.ProjectReferences, r => r.StartsWith("Nexodus.Mesh.Node", StringComparison.Ordinal)));
    }
}
