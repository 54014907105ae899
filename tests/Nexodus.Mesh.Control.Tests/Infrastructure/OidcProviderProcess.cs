using System.Diagnostics;

namespace Nexodus.Mesh.Control.Tests.Infrastructure;

/// <summary>Runs tests/…/oidc-provider/server.js (npm oidc-provider) on 127.0.0.1 and stops it by its process id.</summary>
internal sealed class OidcProviderProcess : IAsyncDisposable
{
    private readonly Process _process;

    private OidcProviderProcess(Process process, string issuer)
    {
        _process = process;
        Issuer = issuer;
    }

    public string Issuer { get; }

    /// <summary>Starts the provider; <paramref name="apiClient"/> adds a public PKCE client that gets JWT access tokens.</summary>
    public static async Task<OidcProviderProcess> StartAsync(string clientId, string clientSecret, string redirectUri, (string ClientId, string RedirectUri)? apiClient = null)
    {
        var dir = Path.Combine(RepoRoot(), "tests", "Nexodus.Mesh.Control.Tests", "oidc-provider");
        if (!Directory.Exists(Path.Combine(dir, "node_modules")))
        {
            // .ci/run does this; done here too so the test also runs from a fresh checkout.
            using var npm = Process.Start(new ProcessStartInfo("npm", "ci --no-audit --no-fund") { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true })!;
            await npm.WaitForExitAsync();
            Assert.True(npm.ExitCode == 0, "npm ci failed in " + dir + ": " + await npm.StandardError.ReadToEndAsync());
        }

        var psi = new ProcessStartInfo("node", "server.js") { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.Environment["PORT"] = "0";
        psi.Environment["CLIENT_ID"] = clientId;
        psi.Environment["CLIENT_SECRET"] = clientSecret;
        psi.Environment["REDIRECT_URI"] = redirectUri;
        if (apiClient is { } api)
        {
            psi.Environment["API_CLIENT_ID"] = api.ClientId;
            psi.Environment["API_REDIRECT_URI"] = api.RedirectUri;
        }
        var process = Process.Start(psi)!;
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var line = await process.StandardOutput.ReadLineAsync(cts.Token);
        if (line is null || !line.StartsWith("listening ", StringComparison.Ordinal))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException("oidc-provider did not start: " + line);
        }

        return new OidcProviderProcess(process, line["listening ".Length..].Trim());
    }

    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Nexodus.Mesh.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
