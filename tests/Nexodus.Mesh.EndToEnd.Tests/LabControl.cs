using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Nexodus.Mesh.Netsim;
using Nexodus.Mesh.TestDoubles.Control;

namespace Nexodus.Mesh.EndToEnd.Tests;

/// <summary>
/// The real nexodus-control binary on a public lab host, with its embedded relay (TLS) and STUN server, plus an
/// admin session to create VPCs and registration keys and to delete devices. The API and the relay both listen on
/// TCP 443 (on two addresses of the host) because a UDP-blocked network lets only TCP 443 out.
/// </summary>
internal sealed partial class LabControl : IAsyncDisposable
{
    public const int HttpPort = 443;
    public const int RelayPort = 443;
    public const int StunPort = 3478;
    private const string AdminPassword = "e2e-test-admin-password-42";

    private readonly HttpClient _http;
    private LabProcess _process;

    private LabControl(LabHost host, LabProcess process, HttpClient http, string dataDir)
    {
        Host = host;
        _process = process;
        _http = http;
        DataDir = dataDir;
    }

    public LabHost Host { get; }

    public string DataDir { get; }

    public IPAddress ApiAddress => Host.Addresses[0];

    /// <summary>The embedded relay's address (the second address of the host); STUN listens there too, because the relay map
    /// advertises STUN on the relay node's host name.</summary>
    public IPAddress RelayAddress => Host.Addresses[1];

    public string Url => $"http://{ApiAddress}:{HttpPort}";

    public LabProcess Process => _process;

    public static async Task<LabControl> StartAsync(LabHost host)
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "nexodus-e2e-control-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dataDir);
        var process = await LaunchAsync(host, dataDir);
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = true,
            ConnectCallback = async (context, ct) =>
                new System.Net.Sockets.NetworkStream(await host.ConnectTcpAsync(new IPEndPoint(IPAddress.Parse(context.DnsEndPoint.Host), context.DnsEndPoint.Port), ct), ownsSocket: true),
        };
        var http = new HttpClient(handler) { BaseAddress = new Uri($"http://{host.Addresses[0]}:{HttpPort}"), Timeout = TimeSpan.FromSeconds(30) };
        var control = new LabControl(host, process, http, dataDir);
        await control.WaitHealthyAsync();
        await control.LoginAsync();
        return control;
    }

    private static async Task<LabProcess> LaunchAsync(LabHost host, string dataDir)
    {
        var api = host.Addresses[0].ToString();
        var relay = host.Addresses[1].ToString();
        var process = host.StartProcess(
            ["dotnet", BinaryPaths.Control, "--data-dir", dataDir, "--listen", $"http://{api}:{HttpPort}",
             "--relay-listen", $"{relay}:{RelayPort}", "--stun-listen", $"{relay}:{StunPort}", "--relay-host", relay],
            new Dictionary<string, string>
            {
                ["NEXODUS_Control__InitialAdminPassword"] = AdminPassword,
            });
        try
        {
            await host.WaitForTcpPortAsync(HttpPort, TimeSpan.FromSeconds(90));
            await process.WaitForOutputAsync("embedded relay on", TimeSpan.FromSeconds(60));
        }
        catch
        {
            var output = process.Output;
            await process.DisposeAsync();
            throw new InvalidOperationException("control did not start: " + output);
        }

        return process;
    }

    /// <summary>SIGKILL: the control process (and its embedded relay and STUN) vanishes as in a crash.</summary>
    public async Task KillAsync()
    {
        _process.Signal(9);
        await _process.WaitForExitAsync(TimeSpan.FromSeconds(10));
        await _process.DisposeAsync();
    }

    /// <summary>Starts control again on the same data dir (same database, relay key and certificate).</summary>
    public async Task RestartAsync()
    {
        _process = await LaunchAsync(Host, DataDir);
        await WaitHealthyAsync();
    }

    /// <summary>The relay's listener shares port 443 (on the other address), so wait for the API itself.</summary>
    private async Task WaitHealthyAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            try
            {
                using var res = await _http.GetAsync("/healthz");
                if (res.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException("control API did not become healthy: " + _process.Output);
            }

            await Task.Delay(200);
        }
    }

    /// <summary>A new organization (its default VPC) and a multi-use registration key for it.</summary>
    public async Task<(Guid VpcId, string RegKey)> CreateVpcAndKeyAsync()
    {
        using var org = await _http.PostAsJsonAsync("/api/organizations", new { name = "org-" + Guid.NewGuid().ToString("N")[..6] });
        var orgBody = await org.Content.ReadAsStringAsync();
        Assert.True(org.IsSuccessStatusCode, orgBody);
        var orgId = JsonDocument.Parse(orgBody).RootElement.GetProperty("id").GetGuid();
        var vpcs = JsonDocument.Parse(await _http.GetStringAsync($"/api/vpcs?organizationId={orgId}")).RootElement;
        var vpcId = vpcs[0].GetProperty("id").GetGuid();
        using var key = await _http.PostAsJsonAsync("/api/registration-keys", new { vpcId, singleUse = false });
        var body = await key.Content.ReadAsStringAsync();
        Assert.True(key.IsSuccessStatusCode, body);
        return (vpcId, JsonDocument.Parse(body).RootElement.GetProperty("secret").GetString()!);
    }

    /// <summary>The device id of <paramref name="hostname"/> in <paramref name="vpcId"/>.</summary>
    public async Task<Guid> DeviceIdAsync(Guid vpcId, string hostname)
    {
        var devices = JsonDocument.Parse(await _http.GetStringAsync($"/api/devices?vpcId={vpcId}")).RootElement;
        foreach (var d in devices.ValueKind == JsonValueKind.Array ? devices.EnumerateArray() : devices.GetProperty("items").EnumerateArray())
        {
            if (d.GetProperty("hostname").GetString() == hostname)
            {
                return d.GetProperty("id").GetGuid();
            }
        }

        throw new InvalidOperationException($"no device {hostname} in VPC {vpcId}: {devices}");
    }

    public async Task<HttpStatusCode> DeleteDeviceAsync(Guid deviceId)
    {
        using var res = await _http.DeleteAsync($"/api/devices/{deviceId}");
        return res.StatusCode;
    }

    /// <summary>Sends an authenticated admin request (for tests that change security groups and such).</summary>
    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request) => _http.SendAsync(request);

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
