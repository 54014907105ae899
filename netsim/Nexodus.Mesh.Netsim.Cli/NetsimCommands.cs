using System.CommandLine;
using System.Diagnostics;
using Nexodus.Mesh.Netsim.Scenarios;

namespace Nexodus.Mesh.Netsim.Cli;

/// <summary>The <c>netsim</c> command line: up, exec, down, list, sweep, scenarios.</summary>
internal static class NetsimCommands
{
    public static RootCommand Build()
    {
        var root = new RootCommand("netsim: NAT lab in network namespaces (RFC 4787 behaviours, CGNAT, UDP-blocked networks)");
        root.Subcommands.Add(Up());
        root.Subcommands.Add(Exec());
        root.Subcommands.Add(Down());
        root.Subcommands.Add(List());
        root.Subcommands.Add(Sweep());
        root.Subcommands.Add(ScenariosCommand());
        root.Subcommands.Add(GridCommand.Build());
        return root;
    }

    private static Command Up()
    {
        var file = new Argument<string>("scenario") { Description = "Scenario file (YAML/JSON), or the name of a built-in scenario (see 'netsim scenarios')" };
        var name = new Option<string?>("--name", "-n") { Description = "Run name (1-8 lowercase letters/digits); default random" };
        var foreground = new Option<bool>("--foreground") { Description = "Stay in the foreground and tear the run down on Ctrl-C / SIGTERM" };
        var command = new Command("up", "Build a scenario and print its run name, hosts and addresses") { file, name, foreground };
        command.SetAction(async (parse, ct) =>
        {
            var path = parse.GetValue(file)!;
            Scenario scenario;
            try
            {
                scenario = File.Exists(path) || !BuiltInScenarios.Names.Contains(path) ? ScenarioFile.Load(path) : BuiltInScenarios.Load(path);
            }
            catch (ScenarioException e)
            {
                Console.Error.WriteLine($"netsim: {e.Message}");
                return 2;
            }

            var lab = await Lab.StartAsync(scenario, new LabOptions { RunName = parse.GetValue(name) }, ct);
            Print(lab);
            if (!parse.GetValue(foreground))
            {
                lab.Detach();
                await lab.DisposeAsync();
                Console.WriteLine($"\nnetsim exec {lab.RunName} <host> -- <command>    netsim down {lab.RunName}");
                return 0;
            }

            Console.WriteLine("\nrunning in the foreground; Ctrl-C tears it down");
            var stop = new TaskCompletionSource();
            using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c =>
            {
                c.Cancel = true;
                stop.TrySetResult();
            });
            using var registration = ct.Register(() => stop.TrySetResult());
            await stop.Task;
            await lab.DisposeAsync();
            return 0;
        });
        return command;
    }

    private static Command Exec()
    {
        var run = new Argument<string>("run") { Description = "Run name (from 'netsim up' or 'netsim list')" };
        var node = new Argument<string>("node") { Description = "Host, router or network name" };
        var cmd = new Argument<string[]>("command") { Description = "Command to run in the node's namespace (after --)", Arity = ArgumentArity.OneOrMore };
        var command = new Command("exec", "Run a command inside a node's network namespace; passes its exit code") { run, node, cmd };
        command.SetAction(async (parse, ct) =>
        {
            var r = parse.GetValue(run)!;
            var n = parse.GetValue(node)!;
            if (!Naming.IsValidRunName(r))
            {
                Console.Error.WriteLine($"netsim: '{r}' is not a run name");
                return 2;
            }

            var ns = Naming.NamespaceName(r, n);
            if (!File.Exists(Path.Combine(Naming.NetnsDirectory, ns)))
            {
                var info = LabRuns.List().FirstOrDefault(i => i.Run == r);
                Console.Error.WriteLine(info is null
                    ? $"netsim: no run '{r}' (see 'netsim list')"
                    : $"netsim: run '{r}' has no node '{n}' (nodes: {string.Join(", ", info.Namespaces.Select(x => x[(Naming.NamespacePrefix.Length + r.Length + 1)..]))})");
                return 2;
            }

            var psi = new ProcessStartInfo("ip") { UseShellExecute = false };
            foreach (var a in (string[])["netns", "exec", ns, .. parse.GetValue(cmd)!])
            {
                psi.ArgumentList.Add(a);
            }

            using var p = Process.Start(psi)!;
            await p.WaitForExitAsync(ct);
            return p.ExitCode;
        });
        return command;
    }

    private static Command Down()
    {
        var run = new Argument<string>("run") { Description = "Run name" };
        var command = new Command("down", "Tear a run down: kill its processes, delete its namespaces and state") { run };
        command.SetAction(async (parse, ct) =>
        {
            var r = parse.GetValue(run)!;
            if (!Naming.IsValidRunName(r))
            {
                Console.Error.WriteLine($"netsim: '{r}' is not a run name");
                return 2;
            }

            if (!await LabRuns.DownAsync(r, cancellationToken: ct))
            {
                Console.Error.WriteLine($"netsim: no run '{r}'");
                return 1;
            }

            Console.WriteLine($"removed {r}");
            return 0;
        });
        return command;
    }

    private static Command List()
    {
        var command = new Command("list", "List runs on this machine");
        command.SetAction(_ =>
        {
            var runs = LabRuns.List();
            if (runs.Count == 0)
            {
                Console.WriteLine("no runs");
            }

            foreach (var r in runs)
            {
                var owner = r.OwnerPid == 0 ? "detached" : $"owner {r.OwnerPid}{(r.OwnerAlive ? string.Empty : " (dead)")}";
                Console.WriteLine($"{r.Run,-8} {r.Scenario ?? "?",-20} {owner,-22} {r.Namespaces.Count} namespaces");
                foreach (var (node, addrs) in r.Nodes)
                {
                    Console.WriteLine($"         {node,-12} {string.Join(", ", addrs)}");
                }
            }

            return 0;
        });
        return command;
    }

    private static Command Sweep()
    {
        var all = new Option<bool>("--all") { Description = "Also remove runs whose owning process still runs (may break someone's tests)" };
        var command = new Command("sweep", "Remove every run whose owner is gone (crashed tests, detached 'up' runs)") { all };
        command.SetAction(async (parse, ct) =>
        {
            var removed = await LabRuns.SweepAsync(parse.GetValue(all), cancellationToken: ct);
            Console.WriteLine(removed.Count == 0 ? "nothing to sweep" : $"removed {removed.Count} run(s): {string.Join(", ", removed)}");
            return 0;
        });
        return command;
    }

    private static Command ScenariosCommand()
    {
        var command = new Command("scenarios", "List the built-in scenarios");
        command.SetAction(_ =>
        {
            foreach (var n in BuiltInScenarios.Names)
            {
                var s = BuiltInScenarios.Load(n);
                var e = s.Expect;
                var what = e is null ? string.Empty
                    : e.UdpBlocked ? "udp blocked"
                    : $"{ScenarioBuilder.ToText(e.Mapping)}/{ScenarioBuilder.ToText(e.Filtering)}{(e.Hairpin ? " hairpin" : string.Empty)}, {e.NatLayers} NAT layer(s)";
                Console.WriteLine($"{n,-20} {what}");
            }

            return 0;
        });
        return command;
    }

    private static void Print(Lab lab)
    {
        Console.WriteLine($"run {lab.RunName} (scenario {lab.Scenario.Name})");
        foreach (var n in lab.Networks.Values)
        {
            Console.WriteLine($"  network {n.Name,-12} {n.Spec.Subnet}{(n.IsPublic ? "  (internet)" : string.Empty)}");
        }

        foreach (var r in lab.Routers.Values)
        {
            var nat = r.Nat;
            Console.WriteLine($"  router  {r.Name,-12} wan {r.WanAddress} ({r.Spec.WanNetwork})  lan {r.LanAddress} ({r.Spec.LanNetwork})  " +
                $"nat {ScenarioBuilder.ToText(nat.Mapping)}/{ScenarioBuilder.ToText(nat.Filtering)} hairpin={(nat.Hairpin ? "on" : "off")} timeout={nat.MappingTimeout.TotalSeconds:0}s" +
                (r.Spec.Firewall == FirewallMode.UdpBlocked ? "  firewall udp-blocked" : string.Empty));
        }

        foreach (var h in lab.Hosts.Values)
        {
            Console.WriteLine($"  host    {h.Name,-12} {string.Join(", ", h.Addresses)} ({h.Network}{(h.Gateway is { } g ? $", behind {g.Name}" : string.Empty)})");
        }
    }
}
