using System.CommandLine;
using Nexodus.Mesh.Node.Nexctl;

var socketOption = new Option<string>("--socket", "-s") { Description = "nexd's local API socket", DefaultValueFactory = _ => "/run/nexodus/nexd.sock", Recursive = true };
var jsonOption = new Option<bool>("--json") { Description = "print the local API's JSON instead of a table", Recursive = true };
var status = new Command("status", "State, addresses, VPC, control and relay reachability of this node");
status.SetAction((parse, ct) => NexctlRunner.StatusAsync(parse.GetValue(socketOption)!, parse.GetValue(jsonOption), Console.Out, ct));
var peers = new Command("peers", "Per peer: path (direct address or relay region), why not direct, last handshake, rx/tx, latency");
peers.SetAction((parse, ct) => NexctlRunner.PeersAsync(parse.GetValue(socketOption)!, parse.GetValue(jsonOption), Console.Out, ct));

var root = new RootCommand("nexctl: inspect the local nexd agent") { status, peers, socketOption, jsonOption };
var result = root.Parse(args);
if (result.Errors.Count > 0)
{
    foreach (var error in result.Errors)
    {
        Console.Error.WriteLine("nexctl: error: " + error.Message);
    }

    return 2;
}

return await result.InvokeAsync();
