using Nexodus.Mesh.Netsim.Scenarios;
using Nexodus.Mesh.TestDoubles;
using Xunit.Abstractions;

namespace Nexodus.Mesh.Netsim.Tests;

/// <summary>
/// Two sites behind different NATs punch a direct UDP path; the lab must agree with the RFC 4787 model
/// (<see cref="HolePunch.Predict"/>) for every pair of NAT types — a whole-lab check of the NAT constructs.
/// </summary>
public sealed class HolePunchTests(ITestOutputHelper output)
{
    private static readonly string[] Types = ["eim-eif", "eim-adf", "eim-apdf", "adm-adf", "apdm-apdf"];

    public static TheoryData<string, string> Pairs()
    {
        var data = new TheoryData<string, string>();
        for (var i = 0; i < Types.Length; i++)
        {
            for (var j = i; j < Types.Length; j++)
            {
                data.Add(Types[i], Types[j]);
            }
        }

        return data;
    }

    [Theory]
    [InlineData("eim-apdf", "eim-apdf", true)]
    [InlineData("apdm-apdf", "eim-apdf", false)]
    [InlineData("apdm-apdf", "eim-adf", true)]
    [InlineData("apdm-apdf", "apdm-apdf", false)]
    [InlineData("apdm-apdf", "eim-eif", true)]
    [InlineData("adm-adf", "eim-apdf", false)]
    [InlineData("adm-adf", "adm-adf", false)]
    public void Predict_MatchesTheClassicTable(string a, string b, bool expected)
    {
        Assert.Equal(expected, HolePunch.Predict(NatSpec.Parse(a), NatSpec.Parse(b)));
        Assert.Equal(expected, HolePunch.Predict(NatSpec.Parse(b), NatSpec.Parse(a)));
    }

    [RootTheory]
    [MemberData(nameof(Pairs))]
    public async Task TwoSites_PunchingWorksExactlyWhenPredicted(string a, string b)
    {
        var natA = NatSpec.Parse(a);
        var natB = NatSpec.Parse(b);
        await using var lab = await Lab.StartAsync(ScenarioTemplates.TwoSites(natA, natB));
        var result = await HolePunch.TryAsync(lab.Host("alice"), lab.Host("bob"), lab.Host("stun"), TimeSpan.FromSeconds(1.5));
        output.WriteLine($"{a} x {b}: {result}");
        Assert.Equal(lab.Router("nata").WanAddress, result.AMapping!.Address);
        Assert.Equal(lab.Router("natb").WanAddress, result.BMapping!.Address);
        Assert.True(HolePunch.Predict(natA, natB) == result.Succeeded, $"{a} x {b}: predicted {HolePunch.Predict(natA, natB)}, got {result}");
    }
}
