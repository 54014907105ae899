using System.Xml.Linq;

namespace Nexodus.Mesh.Architecture.Tests;

/// <summary>Finds the repository root and reads project files; the tests read the source of truth, not built assemblies.</summary>
internal static class RepositoryLayout
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Nexodus.Mesh.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Nexodus.Mesh.sln not found above " + AppContext.BaseDirectory);
    }

    public static IReadOnlyList<ProjectInfo> Projects()
    {
        var list = new List<ProjectInfo>();
        foreach (var path in Directory.EnumerateFiles(Root, "*.csproj", SearchOption.AllDirectories))
        {
            var rel = Path.GetRelativePath(Root, path).Replace('\\', '/');
            if (rel.Split('/').Any(p => p is "bin" or "obj"))
            {
                continue;
            }

            var doc = XDocument.Load(path);
            var dir = Path.GetDirectoryName(path)!;
            var refs = doc.Descendants("ProjectReference")
                .Select(e => Path.GetFileNameWithoutExtension(Path.GetFullPath(Path.Combine(dir, e.Attribute("Include")!.Value))))
                .ToList();
            var packages = doc.Descendants("PackageReference").Select(e => e.Attribute("Include")!.Value).ToList();
            var sdk = doc.Root?.Attribute("Sdk")?.Value ?? "";
            var framework = doc.Descendants("FrameworkReference").Select(e => e.Attribute("Include")!.Value).ToList();
            list.Add(new ProjectInfo(Path.GetFileNameWithoutExtension(path), rel, rel.Split('/')[0], sdk, refs, packages, framework));
        }

        return list;
    }
}

internal sealed record ProjectInfo(
    string Name,
    string RelativePath,
    string TopFolder,
    string Sdk,
    IReadOnlyList<string> ProjectReferences,
    IReadOnlyList<string> PackageReferences,
    IReadOnlyList<string> FrameworkReferences);
