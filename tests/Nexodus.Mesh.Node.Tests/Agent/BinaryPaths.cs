namespace Nexodus.Mesh.Node.Tests.Agent;

/// <summary>Where the binaries under test are: nexd beside the tests, nexodus-control in its own build output (same configuration).</summary>
internal static class BinaryPaths
{
    public static string Nexd => Path.Combine(AppContext.BaseDirectory, "nexd.dll");

    public static string Control
    {
        get
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

            var path = Path.Combine(dir.FullName, "control", "Nexodus.Mesh.Control", "bin", configuration, "net10.0", "nexodus-control.dll");
            return File.Exists(path) ? path : throw new InvalidOperationException($"{path} is missing; the test project builds control (ReferenceOutputAssembly=false)");
        }
    }
}
