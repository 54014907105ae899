using System.CommandLine;
using Nexodus.Mesh.Node.Nexd;

var interfaceOption = new Option<string>("--interface", "-i") { Description = "TUN interface to create (1-15 characters)", Required = true };
var configOption = new Option<FileInfo?>("--config", "-c") { Description = "wg-quick style file ([Interface] PrivateKey, ListenPort, Address, MTU; [Peer] ...)" };
var verboseOption = new Option<bool>("--verbose", "-v") { Description = "debug logging" };
var tunnel = new Command("tunnel", "Bring up a bare WireGuard interface from a config file and/or UAPI (`wg set`), until SIGINT/SIGTERM")
{
    interfaceOption,
    configOption,
    verboseOption,
};
tunnel.SetAction((parse, ct) => TunnelRunner.RunAsync(parse.GetValue(interfaceOption)!, parse.GetValue(configOption), parse.GetValue(verboseOption), ct));

var controlOption = new Option<string>("--control") { Description = "control service URL (http(s)://host:port)", Required = true };
var regKeyOption = new Option<string?>("--reg-key") { Description = "registration key (non-interactive enrollment; without it nexd prints a login code and URL)" };
var vpcOption = new Option<string?>("--vpc") { Description = "VPC id or name to join after an interactive login (when your account may join several)" };
var hostnameOption = new Option<string?>("--hostname") { Description = "device name in the VPC (default: the machine name)" };
var stateDirOption = new Option<string>("--state-dir") { Description = "identity and state (0700)", DefaultValueFactory = _ => "/var/lib/nexodus" };
var requestIpOption = new Option<string?>("--request-ip") { Description = "ask for this IPv4 address at enrollment" };
var upInterfaceOption = new Option<string>("--interface") { Description = "TUN interface name", DefaultValueFactory = _ => "nexodus0" };
var listenPortOption = new Option<int?>("--listen-port") { Description = "UDP port (default: random, then persisted)" };
var localApiOption = new Option<string>("--local-api") { Description = "local API unix socket for nexctl ('off' for none)", DefaultValueFactory = _ => "/run/nexodus/nexd.sock" };
var metricsOption = new Option<string?>("--metrics") { Description = "serve Prometheus /metrics on ADDR:PORT (default: not served)" };
var caPinOption = new Option<string?>("--control-ca-pin") { Description = "SHA-256 (hex) of control's TLS certificate" };
var upVerboseOption = new Option<bool>("--verbose", "-v") { Description = "debug logging" };
var up = new Command("up", "Join the mesh: enroll (or reuse the state dir), bring up the tunnel, follow control until SIGINT/SIGTERM")
{
    controlOption, regKeyOption, vpcOption, hostnameOption, stateDirOption, requestIpOption, upInterfaceOption, listenPortOption,
    localApiOption, metricsOption, caPinOption, upVerboseOption,
};
up.SetAction((parse, ct) => UpRunner.RunAsync(new UpRunner.Arguments(
    parse.GetValue(controlOption), parse.GetValue(regKeyOption), parse.GetValue(hostnameOption), parse.GetValue(stateDirOption)!,
    parse.GetValue(requestIpOption), parse.GetValue(upInterfaceOption)!, parse.GetValue(listenPortOption), parse.GetValue(localApiOption)!,
    parse.GetValue(metricsOption), parse.GetValue(caPinOption), parse.GetValue(upVerboseOption), parse.GetValue(vpcOption)), ct));

var root = new RootCommand("nexd: the Nexodus.Mesh node agent") { tunnel, up };
var result = root.Parse(args);
if (result.Errors.Count > 0)
{
    foreach (var error in result.Errors)
    {
        Console.Out.WriteLine("nexd: error: " + error.Message);
    }

    return 2;
}

return await result.InvokeAsync();
