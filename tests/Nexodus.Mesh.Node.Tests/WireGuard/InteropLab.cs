using System.Globalization;
using System.Text.RegularExpressions;
using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.Netsim;
using Nexodus.Mesh.Netsim.Scenarios;
using Nexodus.Mesh.TestDoubles.WireGuard;

namespace Nexodus.Mesh.Node.Tests.WireGuard;

/// <summary>
/// Our engine (`nexd tunnel`) on netsim host "alice" against wireguard-go (configured with `wg`) on the public
/// host "stun". Tunnel addresses 10.77.0.1 (ours) and 10.77.0.2 (wireguard-go). Interface names carry a
/// per-process prefix because the UAPI sockets in /var/run/wireguard are shared by all namespaces.
/// </summary>
internal sealed partial class InteropLab : IAsyncDisposable
{
    private static int _counter;
    private readonly string _dir = Directory.CreateTempSubdirectory("wgt").FullName;

    private InteropLab(Lab netsim)
    {
        Netsim = netsim;
        Ours = netsim.Host("alice");
        Theirs = netsim.Host("stun");
        Id = $"wgt{Environment.ProcessId % 1_000_000}x{Interlocked.Increment(ref _counter)}";
    }

    public Lab Netsim { get; }

    public LabHost Ours { get; }

    public LabHost Theirs { get; }

    public string Id { get; }

    public string A => Ours.NamespaceName;

    public string B => Theirs.NamespaceName;

    public string AddressA => Ours.Address.ToString();

    public string AddressB => Theirs.Address.ToString();

    public string OurDevice => Ours.DefaultInterface;

    public PrivateKey OurKey { get; } = PrivateKey.Generate();

    public PrivateKey TheirKey { get; } = PrivateKey.Generate();

    public BackgroundProcess? Nexd { get; private set; }

    public BackgroundProcess? WireGuardGo { get; private set; }

    public string OurInterface => Id + "n";

    public string TheirInterface => Id + "g";

    public string OurTunnelIp => "10.77.0.1";

    public string TheirTunnelIp => "10.77.0.2";

    /// <summary>
    /// Starts both sides. <paramref name="weKnowEndpoint"/> / <paramref name="theyKnowEndpoint"/> decide who can
    /// initiate: the side without the other's endpoint can only respond.
    /// </summary>
    public static async Task<InteropLab> StartAsync(bool weKnowEndpoint, bool theyKnowEndpoint, string scenario = "public", IDictionary<string, string>? nexdEnvironment = null)
    {
        var lab = new InteropLab(await Lab.StartAsync(BuiltInScenarios.Load(scenario)));
        try
        {
            await lab.StartWireGuardGoAsync(theyKnowEndpoint);
            await lab.StartNexdAsync(weKnowEndpoint, nexdEnvironment);
            return lab;
        }
        catch
        {
            await lab.DisposeAsync();
            throw;
        }
    }

    private async Task StartWireGuardGoAsync(bool knowEndpoint)
    {
        WireGuardGo = Start(B, new Dictionary<string, string> { ["WG_PROCESS_FOREGROUND"] = "1" }, "wireguard-go", TheirInterface);
        await WaitForAsync(() => File.Exists($"/var/run/wireguard/{TheirInterface}.sock") && Exec(B, "ip", "link", "show", TheirInterface).ExitCode == 0, "wireguard-go interface");
        var keyFile = Path.Combine(_dir, "their.key");
        await File.WriteAllTextAsync(keyFile, TheirKey.ExportText() + "\n");
        var args = new List<string> { "wg", "set", TheirInterface, "private-key", keyFile, "listen-port", "51820", "peer", OurKey.PublicKey.ToString(), "allowed-ips", OurTunnelIp + "/32" };
        if (knowEndpoint)
        {
            args.AddRange(["endpoint", AddressA + ":51821"]);
        }

        Check(B, [.. args]);
        Check(B, "ip", "addr", "add", TheirTunnelIp + "/24", "dev", TheirInterface);
        Check(B, "ip", "link", "set", TheirInterface, "mtu", "1420", "up");
    }

    private async Task StartNexdAsync(bool knowEndpoint, IDictionary<string, string>? environment)
    {
        var config = $"""
            [Interface]
            PrivateKey = {OurKey.ExportText()}
            ListenPort = 51821
            Address = {OurTunnelIp}/24
            MTU = 1420

            [Peer]
            PublicKey = {TheirKey.PublicKey}
            AllowedIPs = {TheirTunnelIp}/32
            {(knowEndpoint ? $"Endpoint = {AddressB}:51820" : "")}
            """;
        var file = Path.Combine(_dir, "nexd.conf");
        await File.WriteAllTextAsync(file, config);
        Nexd = Start(A, environment, "dotnet", Path.Combine(AppContext.BaseDirectory, "nexd.dll"), "tunnel", "--interface", OurInterface, "--config", file, "--verbose");
        await WaitForAsync(() => File.Exists($"/var/run/wireguard/{OurInterface}.sock") || Nexd.Process.HasExited, "nexd interface");
        if (Nexd.Process.HasExited)
        {
            throw new InvalidOperationException("nexd exited: " + Nexd.Output);
        }
    }

    public static (int ExitCode, string Output) Exec(string ns, params string[] command) => Exec(ns, TimeSpan.FromSeconds(120), command);

    public static (int ExitCode, string Output) Exec(string ns, TimeSpan timeout, params string[] command) => Shell.Run("ip", ["netns", "exec", ns, .. command], timeout);

    private static BackgroundProcess Start(string ns, IDictionary<string, string>? env, params string[] command) => Shell.Background("ip", ["netns", "exec", ns, .. command], env);

    public static string Check(string ns, params string[] command)
    {
        var (code, output) = Exec(ns, command);
        return code == 0 ? output : throw new InvalidOperationException($"`{string.Join(' ', command)}` in {ns} exited {code}: {output}");
    }

    /// <summary>busybox ping; returns the number of replies.</summary>
    public static int Ping(string ns, string target, int count = 3, string interval = "0.2")
    {
        var (_, output) = Exec(ns, "busybox", "ping", "-c", count.ToString(CultureInfo.InvariantCulture), "-i", interval, "-W", "2", target);
        var m = ReceivedRegex().Match(output);
        return m.Success ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }

    /// <summary>Sends <paramref name="bytes"/> of random data over TCP from one namespace to another; returns both SHA-256 digests.</summary>
    public async Task<(string Sent, string Received)> TransferAsync(string fromNs, string toNs, string toIp, long bytes)
    {
        var data = Path.Combine(_dir, "payload.bin");
        Shell.Check("sh", "-c", $"head -c {bytes} /dev/urandom > {data}");
        var sent = Shell.Check("sha256sum", data).Split(' ')[0];
        var receiver = Start(toNs, null, "python3", "-c", $$"""
            import socket, hashlib
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("{{toIp}}", 5201)); s.listen(1)
            print("listening", flush=True)
            c, _ = s.accept(); h = hashlib.sha256(); n = 0
            while True:
                b = c.recv(1 << 20)
                if not b: break
                h.update(b); n += len(b)
            print("digest", h.hexdigest(), n, flush=True)
            """);
        await using (receiver)
        {
            await WaitForAsync(() => receiver.Output.Contains("listening", StringComparison.Ordinal), "receiver");
            Check(fromNs, "python3", "-c", $$"""
                import socket
                s = socket.create_connection(("{{toIp}}", 5201))
                with open("{{data}}", "rb") as f:
                    while True:
                        b = f.read(1 << 20)
                        if not b: break
                        s.sendall(b)
                s.shutdown(socket.SHUT_WR); s.recv(1); s.close()
                """);
            await WaitForAsync(() => receiver.Output.Contains("digest", StringComparison.Ordinal), "digest", 60_000);
            var m = DigestRegex().Match(receiver.Output);
            File.Delete(data);
            return (sent, m.Groups[1].Value);
        }
    }

    /// <summary>`wg show IFACE DUMP` fields for the single peer: endpoint, latest handshake, rx, tx.</summary>
    public static (string PublicKey, string Endpoint, long LatestHandshake, long Rx, long Tx)? PeerDump(string ns, string iface)
    {
        var lines = Check(ns, "wg", "show", iface, "dump").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length < 2)
        {
            return null;
        }

        var f = lines[1].Split('\t');
        return (f[0], f[2], long.Parse(f[4], CultureInfo.InvariantCulture), long.Parse(f[5], CultureInfo.InvariantCulture), long.Parse(f[6], CultureInfo.InvariantCulture));
    }

    public static async Task WaitForAsync(Func<bool> condition, string what, int timeoutMs = 15_000)
    {
        var deadline = Environment.TickCount64 + timeoutMs;
        while (!condition())
        {
            if (Environment.TickCount64 > deadline)
            {
                throw new TimeoutException("timed out waiting for " + what);
            }

            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Nexd is not null)
        {
            await Nexd.DisposeAsync();
        }

        if (WireGuardGo is not null)
        {
            await WireGuardGo.DisposeAsync();
        }

        await Netsim.DisposeAsync();
        foreach (var sock in new[] { OurInterface, TheirInterface })
        {
            File.Delete($"/var/run/wireguard/{sock}.sock");
        }

        Directory.Delete(_dir, recursive: true);
    }

    [GeneratedRegex(@"(\d+) packets received")]
    private static partial Regex ReceivedRegex();

    [GeneratedRegex(@"digest ([0-9a-f]{64})")]
    private static partial Regex DigestRegex();
}
