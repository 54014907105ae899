namespace Nexodus.Mesh.EndToEnd.Tests;

/// <summary>The binaries under test, in their own build outputs (same configuration as this test assembly).</summary>
internal static class BinaryPaths
{
    public static string Nexd => Find(Path.Combine("node", "Nexodus.Mesh.Node.Nexd"), "nexd.dll");

    public static string Control => Find(Path.Combine("control", "Nexodus.Mesh.Control"), "nexodus-control.dll");

    private static string Find(string project, string dll)
    {
        var configuration = AppContext.BaseDirectory.Contains("/bin/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Nexodus.Mesh.sln")))
        {
            dir = dir.Parent;
        }

        if (dir is null)
        {
            throw new InvalidOperationException("cannot find the repository root above " + AppContext.BaseDirectory);
        }

        var path = Path.Combine(dir.FullName, project, "bin", configuration, "net10.0", dll);
        return File.Exists(path) ? path : throw new InvalidOperationException($"{path} is missing; the test project builds it (ReferenceOutputAssembly=false)");
    }
}
