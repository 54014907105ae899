using System.Text;
using Nexodus.Mesh.Netsim.Scenarios;

namespace Nexodus.Mesh.Netsim.Tests;

/// <summary>Mutated scenario files: the parser either accepts them or throws <see cref="ScenarioException"/>, nothing else.</summary>
public sealed class ScenarioFuzzTests
{
    private const string Fragments = " :-[]{},\n\t\"'#&*!|>%@`?0123456789abcxyz./";

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Parse_MutatedBuiltIns_OnlyEverThrowsScenarioException(int seed)
    {
        var random = new Random(seed);
        var texts = BuiltInScenarios.Names.Select(BuiltInScenarios.Text).ToList();
        var accepted = 0;
        for (var i = 0; i < 1500; i++)
        {
            var text = Mutate(texts[random.Next(texts.Count)], random);
            try
            {
                ScenarioFile.Parse(text);
                accepted++;
            }
            catch (ScenarioException e)
            {
                Assert.False(string.IsNullOrWhiteSpace(e.Message));
            }
            catch (Exception e)
            {
                Assert.Fail($"{e.GetType().Name}: {e.Message}\n--- input:\n{text}");
            }
        }

        // Sanity: small mutations (e.g. in comments or descriptions) still parse sometimes.
        Assert.InRange(accepted, 1, 1499);
    }

    [Fact]
    public void Parse_RandomBytes_OnlyEverThrowsScenarioException()
    {
        var random = new Random(7);
        for (var i = 0; i < 1000; i++)
        {
            var sb = new StringBuilder();
            var length = random.Next(0, 200);
            for (var j = 0; j < length; j++)
            {
                sb.Append(Fragments[random.Next(Fragments.Length)]);
            }

            try
            {
                ScenarioFile.Parse(sb.ToString());
            }
            catch (ScenarioException)
            {
            }
            catch (Exception e)
            {
                Assert.Fail($"{e.GetType().Name}: {e.Message}\n--- input:\n{sb}");
            }
        }
    }

    private static string Mutate(string text, Random random)
    {
        var sb = new StringBuilder(text);
        var edits = random.Next(1, 4);
        for (var e = 0; e < edits && sb.Length > 0; e++)
        {
            var at = random.Next(sb.Length);
            switch (random.Next(4))
            {
                case 0:
                    sb.Remove(at, Math.Min(random.Next(1, 12), sb.Length - at));
                    break;
                case 1:
                    sb.Insert(at, Fragments[random.Next(Fragments.Length)]);
                    break;
                case 2:
                    sb[at] = Fragments[random.Next(Fragments.Length)];
                    break;
                default:
                    // Duplicate a line: duplicate keys, repeated sections.
                    var start = text.LastIndexOf('\n', Math.Min(at, text.Length - 1)) + 1;
                    var end = text.IndexOf('\n', start);
                    if (end > start)
                    {
                        sb.Insert(Math.Min(at, sb.Length), text[start..(end + 1)]);
                    }

                    break;
            }
        }

        return sb.ToString();
    }
}
