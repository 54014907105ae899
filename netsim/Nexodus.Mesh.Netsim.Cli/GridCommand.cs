using System.CommandLine;
using Nexodus.Mesh.Netsim.Scenarios;

namespace Nexodus.Mesh.Netsim.Cli;

/// <summary>
/// <c>netsim grid</c>: for every pair of NAT types, builds two sites and tries UDP hole punching between them;
/// prints which pairs connect directly (and which need a relay), next to the RFC 4787 prediction.
/// </summary>
internal static class GridCommand
{
    private static readonly string[] DefaultTypes = ["eim-eif", "eim-adf", "eim-apdf", "adm-adf", "apdm-apdf"];

    public static Command Build()
    {
        var types = new Option<string[]>("--nat") { Description = "NAT types to pair (default: eim-eif eim-adf eim-apdf adm-adf apdm-apdf)", AllowMultipleArgumentsPerToken = true };
        var command = new Command("grid", "Hole-punching matrix: which NAT type pairs get a direct UDP path") { types };
        command.SetAction(async (parse, ct) =>
        {
            var names = parse.GetValue(types) is { Length: > 0 } given ? given : DefaultTypes;
            NatSpec[] specs;
            try
            {
                specs = [.. names.Select(NatSpec.Parse)];
            }
            catch (ScenarioException e)
            {
                Console.Error.WriteLine($"netsim: --nat: {e.Message}");
                return 2;
            }

            var results = new Dictionary<(int, int), bool>();
            var pairs = new List<(int A, int B)>();
            for (var i = 0; i < specs.Length; i++)
            {
                for (var j = i; j < specs.Length; j++)
                {
                    pairs.Add((i, j));
                }
            }

            // Two at a time: each pair is its own run, so they do not interfere.
            using var gate = new SemaphoreSlim(2);
            await Task.WhenAll(pairs.Select(async p =>
            {
                await gate.WaitAsync(ct);
                try
                {
                    await using var lab = await Lab.StartAsync(ScenarioTemplates.TwoSites(specs[p.A], specs[p.B]), cancellationToken: ct);
                    var r = await HolePunch.TryAsync(lab.Host("alice"), lab.Host("bob"), lab.Host("stun"));
                    lock (results)
                    {
                        results[(p.A, p.B)] = r.Succeeded;
                        results[(p.B, p.A)] = r.Succeeded;
                    }
                }
                finally
                {
                    gate.Release();
                }
            }));

            var width = Math.Max(10, names.Max(n => n.Length) + 1);
            Console.WriteLine("direct UDP path between a host behind ROW and a host behind COLUMN");
            Console.WriteLine("  yes = punched, RELAY = needs a relay; '!' marks a disagreement with the RFC 4787 prediction\n");
            Console.Write(new string(' ', width));
            foreach (var n in names)
            {
                Console.Write(n.PadRight(width));
            }

            Console.WriteLine();
            var disagreements = 0;
            for (var i = 0; i < specs.Length; i++)
            {
                Console.Write(names[i].PadRight(width));
                for (var j = 0; j < specs.Length; j++)
                {
                    var ok = results[(i, j)];
                    var agree = ok == HolePunch.Predict(specs[i], specs[j]);
                    disagreements += agree ? 0 : 1;
                    Console.Write(((ok ? "yes" : "RELAY") + (agree ? string.Empty : "!")).PadRight(width));
                }

                Console.WriteLine();
            }

            return disagreements == 0 ? 0 : 1;
        });
        return command;
    }
}
