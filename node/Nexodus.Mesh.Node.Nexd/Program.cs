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

var root = new RootCommand("nexd: the Nexodus.Mesh node agent") { tunnel };
var result = root.Parse(args);
if (result.Errors.Count > 0)
{
    foreach (var error in result.Errors)
    {
        Console.Error.WriteLine("nexd: " + error.Message);
    }

    return 2;
}

return await result.InvokeAsync();
