using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Nexodus.Mesh.Netsim;
using Nexodus.Mesh.TestDoubles.Control;

namespace Nexodus.Mesh.Node.Tests.Agent;

/// <summary>
/// The real nexodus-control binary (embedded relay + STUN) running in a lab host, plus an admin session
/// (login form + authorization code with PKCE against its embedded provider) to create registration keys.
/// </summary>
internal sealed partial class LabControl : IAsyncDisposable
{
    public const int HttpPort = 8080;
    public const int RelayPort = 8443;
    public const int StunPort = 3478;
    private const string AdminPassword = "agent-test-admin-password-42";

    private readonly LabProcess _process;
    private readonly HttpClient _http;

    private LabControl(LabHost host, LabProcess process, HttpClient http, string dataDir)
    {
        Host = host;
        _process = process;
        _http = http;
        DataDir = dataDir;
    }

    public LabHost Host { get; }

    public string DataDir { get; }

    public string Url => $"http://{Host.Address}:{HttpPort}";

    public LabProcess Process => _process;

    /// <summary>
    /// The node labs' topology: one simulated internet with control ("ctrl", 203.0.113.10) and the nodes "a" (.11) and,
    /// with two nodes, "b" (.12).
    /// </summary>
    public static Task<Lab> StartLabAsync(string name, int nodes = 2)
    {
        var scenario = new Nexodus.Mesh.Netsim.Scenarios.ScenarioBuilder(name)
            .Network("internet", "203.0.113.0/24")
            .Host("ctrl", "internet", IPAddress.Parse("203.0.113.10"))
            .Host("a", "internet", IPAddress.Parse("203.0.113.11"));
        if (nodes == 2)
        {
            scenario.Host("b", "internet", IPAddress.Parse("203.0.113.12"));
        }

        return Lab.StartAsync(scenario.Build());
    }

    public static async Task<LabControl> StartAsync(LabHost host)
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "nexd-agent-test-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dataDir);
        var ip = host.Address.ToString();
        var process = host.StartProcess(
            ["dotnet", BinaryPaths.Control, "--data-dir", dataDir, "--listen", $"http://{ip}:{HttpPort}",
             "--relay-listen", $"{ip}:{RelayPort}", "--stun-listen", $"{ip}:{StunPort}", "--relay-host", ip],
            new Dictionary<string, string> { ["NEXODUS_Control__InitialAdminPassword"] = AdminPassword });
        try
        {
            await host.WaitForTcpPortAsync(HttpPort, TimeSpan.FromSeconds(60));
        }
        catch
        {
            await process.DisposeAsync();
            throw new InvalidOperationException("control did not start: " + process.Output);
        }

        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = true,
            ConnectCallback = async (context, ct) =>
                new NetworkStream(await host.ConnectTcpAsync(new IPEndPoint(IPAddress.Parse(context.DnsEndPoint.Host), context.DnsEndPoint.Port), ct), ownsSocket: true),
        };
        var http = new HttpClient(handler) { BaseAddress = new Uri($"http://{ip}:{HttpPort}"), Timeout = TimeSpan.FromSeconds(30) };
        var control = new LabControl(host, process, http, dataDir);
        await control.LoginAsync();
        return control;
    }

    /// <summary>A new organization (its default VPC) and a multi-use registration key for it.</summary>
    public async Task<(Guid VpcId, string RegKey)> CreateVpcAndKeyAsync(bool singleUse = false)
    {
        using var org = await _http.PostAsJsonAsync("/api/organizations", new { name = "org-" + Guid.NewGuid().ToString("N")[..6] });
        org.EnsureSuccessStatusCode();
        var orgId = JsonDocument.Parse(await org.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        var vpcs = JsonDocument.Parse(await _http.GetStringAsync($"/api/vpcs?organizationId={orgId}")).RootElement;
        var vpcId = vpcs[0].GetProperty("id").GetGuid();
        using var key = await _http.PostAsJsonAsync("/api/registration-keys", new { vpcId, singleUse });
        var body = await key.Content.ReadAsStringAsync();
        Assert.True(key.IsSuccessStatusCode, body);
        return (vpcId, JsonDocument.Parse(body).RootElement.GetProperty("secret").GetString()!);
    }

    /// <summary>Control's view of a device (GET /api/devices/{id}).</summary>
    public async Task<JsonElement> GetDeviceAsync(Guid deviceId) =>
        JsonDocument.Parse(await _http.GetStringAsync($"/api/devices/{deviceId}")).RootElement;

    public async Task<HttpStatusCode> DeleteDeviceAsync(Guid deviceId)
    {
        using var res = await _http.DeleteAsync($"/api/devices/{deviceId}");
        return res.StatusCode;
    }

    private Task LoginAsync() => ControlAdminSession.SignInAsync(_http, AdminPassword);

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _process.StopAsync(TimeSpan.FromSeconds(5));
        await _process.DisposeAsync();
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp dir is harmless.
        }
    }
}
