using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Nexodus.Mesh.Relay.Transport;

namespace Nexodus.Mesh.Relay.Bench;

/// <summary>
/// The real <c>nexodus-relay</c> binary in a process of its own (optionally pinned to one CPU with
/// <c>taskset</c>): dev TLS, admission with a JWKS file, a per-client rate limit, no STUN. A relay in production
/// does not host its clients, so this layout charges the relay only for relaying.
/// </summary>
internal sealed partial class RelayProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;

    private RelayProcess(Process process, string directory, Uri url, string pin)
    {
        _process = process;
        _directory = directory;
        RelayUrl = url;
        Trust = TlsTrust.Pin(pin);
    }

    public Uri RelayUrl { get; }

    public TlsTrust Trust { get; }

    public int Pid => _process.Id;

    public TimeSpan Cpu => CpuTime.Of(_process.Id);

    public static async Task<RelayProcess> StartAsync(string relayDll, string jwksJson, int? cpu, long rateBytesPerSecond, long rateBurstBytes)
    {
        var directory = Directory.CreateTempSubdirectory("nxrelaybench-").FullName;
        var jwks = Path.Combine(directory, "jwks.json");
        await File.WriteAllTextAsync(jwks, jwksJson);
        var info = new ProcessStartInfo(cpu is null ? "dotnet" : "taskset")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        if (cpu is { } c)
        {
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add(c.ToString(CultureInfo.InvariantCulture));
            info.ArgumentList.Add("dotnet");
        }

        foreach (var a in (string[])[relayDll, "--dev-tls", "--listen", "127.0.0.1:0", "--control-key", jwks, "--key-file", Path.Combine(directory, "relay.key"),
            "--stun-listen", "off", "--rate-limit", rateBytesPerSecond.ToString(CultureInfo.InvariantCulture),
            "--rate-burst", rateBurstBytes.ToString(CultureInfo.InvariantCulture), "--log-level", "Warning"])
        {
            info.ArgumentList.Add(a);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start nexodus-relay");
        string? pin = null;
        Uri? url = null;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            process.OutputDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            while (url is null)
            {
                var line = await process.StandardError.ReadLineAsync(timeout.Token)
                    ?? throw new InvalidOperationException($"nexodus-relay exited (code {(process.HasExited ? process.ExitCode : -1)}) before it was serving");
                if (PinLine().Match(line) is { Success: true } p)
                {
                    pin = p.Groups[1].Value;
                }
                else if (ServingLine().Match(line) is { Success: true } s)
                {
                    url = new Uri(s.Groups[1].Value);
                }
            }

            if (pin is null)
            {
                throw new InvalidOperationException("nexodus-relay printed no dev certificate pin");
            }
        }
        catch
        {
            KillQuietly(process);
            Directory.Delete(directory, recursive: true);
            throw;
        }

        // Keep draining stderr so the relay never blocks on a full pipe.
        _ = Task.Run(async () =>
        {
            while (await process.StandardError.ReadLineAsync() is not null)
            {
            }
        });
        // A bench that dies of an unhandled exception must not leave the relay running.
        AppDomain.CurrentDomain.UnhandledException += (_, _) => KillQuietly(process);
        return new RelayProcess(process, directory, url, pin);
    }

    private static void KillQuietly(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    /// <summary>The relay's own counters, scraped from its /metrics over the pinned TLS connection.</summary>
    public async Task<Dictionary<string, double>> ScrapeAsync()
    {
        using var handler = new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = (_, cert, _, errors) => Trust.Validate(cert, errors) } };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
        var text = await http.GetStringAsync(new Uri(RelayUrl, "/metrics"));
        var values = new Dictionary<string, double>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var space = line.LastIndexOf(' ');
            if (space > 0 && double.TryParse(line.AsSpan(space + 1), CultureInfo.InvariantCulture, out var v))
            {
                values[line[..space]] = v;
            }
        }

        return values;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [GeneratedRegex(@"SHA-256 \(pin this in clients\): ([0-9A-Fa-f]{64})")]
    private static partial Regex PinLine();

    [GeneratedRegex(@"nexodus-relay: serving (\S+) key")]
    private static partial Regex ServingLine();
}
