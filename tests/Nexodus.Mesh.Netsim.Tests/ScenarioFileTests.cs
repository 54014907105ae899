using System.Net;
using Nexodus.Mesh.Netsim.Scenarios;

namespace Nexodus.Mesh.Netsim.Tests;

public sealed class ScenarioFileTests
{
    private const string Minimal = """
        name: t
        networks:
          internet: 203.0.113.0/24
          lan: 192.168.1.0/24
        routers:
          home: { wan: internet, lan: lan }
        hosts:
          stun: { network: internet, addresses: [203.0.113.20, 203.0.113.21] }
          alice: { network: lan }
        """;

    public static TheoryData<string> BuiltIn() => [.. BuiltInScenarios.Names];

    [Fact]
    public void BuiltInScenarios_CoverTheRequiredBehaviours()
    {
        string[] required = ["eim-eif", "eim-adf", "eim-apdf", "adm-adf", "apdm-apdf", "eim-apdf-hairpin", "cgnat", "udp-blocked", "same-lan", "public"];
        Assert.All(required, r => Assert.Contains(r, BuiltInScenarios.Names));
    }

    [Theory]
    [MemberData(nameof(BuiltIn))]
    public void BuiltInScenario_Parses_WithExpectationAndTwoAddressServer(string name)
    {
        var s = BuiltInScenarios.Load(name);
        Assert.Equal(name, s.Name);
        var expect = Assert.IsType<ScenarioExpectation>(s.Expect);
        var server = s.Host(expect.Server);
        Assert.True(s.IsPublic(server.Network));
        Assert.True(server.Addresses.Count >= 2);
        Assert.Equal(expect.NatLayers, s.NatChain(s.Host(expect.Host).Network).Count);
    }

    [Fact]
    public void Parse_Minimal_AssignsAddressesAndDefaults()
    {
        var s = ScenarioFile.Parse(Minimal);
        var home = s.Router("home");
        Assert.Equal(IPAddress.Parse("192.168.1.1"), home.LanAddress);
        Assert.Equal(IPAddress.Parse("203.0.113.1"), home.WanAddress);
        Assert.Equal(IPAddress.Parse("192.168.1.2"), s.Host("alice").Addresses.Single());
        Assert.Equal(NatSpec.PortRestrictedCone, home.Nat);
        Assert.Equal(FirewallMode.None, home.Firewall);
        Assert.Null(s.Expect);
        Assert.Same(home, s.GatewayOf("lan"));
        Assert.True(s.IsPublic("internet"));
    }

    [Fact]
    public void Parse_Json_IsAccepted()
    {
        var s = ScenarioFile.Parse("""
            { "name": "j", "networks": { "internet": "198.51.100.0/24" },
              "hosts": { "a": { "network": "internet", "address": "198.51.100.7" } } }
            """);
        Assert.Equal(IPAddress.Parse("198.51.100.7"), s.Host("a").Addresses[0]);
    }

    [Fact]
    public void Parse_NatBlock_ReadsAllFields()
    {
        var s = ScenarioFile.Parse(Minimal.Replace("home: { wan: internet, lan: lan }", "home: { wan: internet, lan: lan, firewall: udp-blocked, nat: { mapping: adm, filtering: eif, hairpin: true, mappingTimeout: 5s } }", StringComparison.Ordinal));
        var nat = s.Router("home").Nat;
        Assert.Equal(new NatSpec(MappingBehavior.AddressDependent, FilteringBehavior.EndpointIndependent, true, TimeSpan.FromSeconds(5)), nat);
        Assert.Equal(FirewallMode.UdpBlocked, s.Router("home").Firewall);
    }

    [Fact]
    public void Builder_BuildsTheSameAsAFile()
    {
        var s = new ScenarioBuilder("t")
            .Network("internet", "203.0.113.0/24")
            .Network("lan", "192.168.1.0/24")
            .Router("home", "internet", "lan")
            .Host("stun", "internet", IPAddress.Parse("203.0.113.20"), IPAddress.Parse("203.0.113.21"))
            .Host("alice", "lan")
            .Build();
        var f = ScenarioFile.Parse(Minimal);
        Assert.Equal(f.Router("home"), s.Router("home"));
        Assert.Equal(f.Host("alice").Addresses, s.Host("alice").Addresses);
    }

    [Theory]
    [InlineData("networks:\n  internet: 203.0.113.0/24\n", "name")]
    [InlineData("name: x\n", "networks")]
    [InlineData("name: x\nnetworks:\n  internet: 8.8.8.0/24\n", "networks.internet")]
    [InlineData("name: x\nnetworks:\n  internet: not-a-subnet\n", "networks.internet")]
    [InlineData("name: x\nnetworks:\n  Internet: 203.0.113.0/24\n", "networks.Internet")]
    [InlineData("name: x\nnetworks:\n  a: 192.168.0.0/16\n  b: 192.168.1.0/24\n", "networks.b")]
    [InlineData("name: x\nnetworks:\n  internet: 203.0.113.0/24\nhosts:\n  a: { network: nowhere }\n", "hosts.a.network")]
    [InlineData("name: x\nnetworks:\n  internet: 203.0.113.0/24\nhosts:\n  a: { network: internet, address: 192.168.1.1 }\n", "hosts.a.address")]
    [InlineData("name: x\nnetworks:\n  internet: 203.0.113.0/24\nhosts:\n  a: { network: internet, address: 203.0.113.255 }\n", "hosts.a.address")]
    [InlineData("name: x\nnetworks:\n  internet: 203.0.113.0/24\nhosts:\n  a: { network: internet, address: 203.0.113.5 }\n  b: { network: internet, address: 203.0.113.5 }\n", "hosts.b.address")]
    [InlineData("name: x\nnetworks:\n  internet: 203.0.113.0/24\nhosts:\n  internet: { network: internet }\n", "hosts.internet")]
    [InlineData("name: x\nnetworks:\n  internet: 203.0.113.0/24\nhosts:\n  averyveryverylongname: { network: internet }\n", "hosts.averyveryverylongname")]
    [InlineData("name: x\nnetworks:\n  internet: 203.0.113.0/24\n  lan: 10.0.0.0/24\nrouters:\n  r: { wan: internet, lan: lan, nat: { mapping: cone } }\n", "routers.r.nat.mapping")]
    [InlineData("name: x\nnetworks:\n  internet: 203.0.113.0/24\n  lan: 10.0.0.0/24\nrouters:\n  r: { wan: internet, lan: lan, nat: { filtering: x } }\n", "routers.r.nat.filtering")]
    [InlineData("name: x\nnetworks:\n  internet: 203.0.113.0/24\n  lan: 10.0.0.0/24\nrouters:\n  r: { wan: internet, lan: lan, nat: { hairpin: maybe } }\n", "routers.r.nat.hairpin")]
    [InlineData("name: x\nnetworks:\n  internet: 203.0.113.0/24\n  lan: 10.0.0.0/24\nrouters:\n  r: { wan: internet, lan: lan, nat: { mappingTimeout: 0 } }\n", "routers.r.nat.mappingTimeout")]
    [InlineData("name: x\nnetworks:\n  internet: 203.0.113.0/24\n  lan: 10.0.0.0/24\nrouters:\n  r: { wan: internet, lan: lan, firewall: strict }\n", "routers.r.firewall")]
    [InlineData("name: x\nnetworks:\n  internet: 203.0.113.0/24\n  lan: 10.0.0.0/24\nrouters:\n  r: { wan: lan, lan: lan }\n", "routers.r.lan")]
    [InlineData("name: x\nnetworks:\n  internet: 203.0.113.0/24\n  lan: 10.0.0.0/24\nrouters:\n  r: { lan: lan }\n", "routers.r.wan")]
    [InlineData("name: x\nnetworks:\n  a: 10.0.0.0/24\n  b: 10.0.1.0/24\nrouters:\n  r1: { wan: a, lan: b }\n  r2: { wan: b, lan: a }\n", "routers.r1.wan")]
    [InlineData("name: x\nnetworks:\n  internet: 203.0.113.0/24\nhosts:\n  s: { network: internet }\nexpect: { host: s, server: s }\n", "expect.server")]
    [InlineData("name: x\nnetworks:\n  internet: 203.0.113.0/24\nhosts:\n  s: { network: internet, addresses: [203.0.113.2, 203.0.113.3] }\nexpect: { host: nobody, server: s }\n", "expect.host")]
    [InlineData("name: x\nnetworks:\n  internet: 203.0.113.0/24\nhosts:\n  s: { network: internet, addresses: [203.0.113.2, 203.0.113.3] }\nexpect: { host: s, server: s, udp: maybe }\n", "expect.udp")]
    [InlineData("name: x\nnetworks:\n  internet: 203.0.113.0/24\nhosts:\n  a: { network: internet, colour: red }\n", "colour")]
    [InlineData("name: x\nnetwork:\n  internet: 203.0.113.0/24\n", "network")]
    public void Parse_Invalid_NamesTheField(string yaml, string field)
    {
        var e = Assert.Throws<ScenarioException>(() => ScenarioFile.Parse(yaml));
        Assert.Equal(field, e.Field);
        Assert.StartsWith(field + ":", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("name: [unclosed\n")]
    [InlineData("name: x\nnetworks: [a, b]\n")]
    [InlineData("name: x\nnetworks:\n  a: 10.0.0.0/24\n  a: 10.0.1.0/24\n")]
    [InlineData("")]
    [InlineData("- just\n- a list\n")]
    public void Parse_Malformed_GivesAScenarioExceptionWithALocation(string yaml)
    {
        var e = Assert.Throws<ScenarioException>(() => ScenarioFile.Parse(yaml));
        Assert.False(string.IsNullOrWhiteSpace(e.Message));
        if (yaml.Length > 0)
        {
            Assert.Contains("line", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Load_MissingFile_NamesThePath()
    {
        var e = Assert.Throws<ScenarioException>(() => ScenarioFile.Load("/nonexistent/x.yaml"));
        Assert.Contains("/nonexistent/x.yaml", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_BadFile_PrefixesThePath()
    {
        var path = Path.Combine(Path.GetTempPath(), $"netsim-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, "name: x\nnetworks:\n  internet: 8.8.8.0/24\n");
        try
        {
            var e = Assert.Throws<ScenarioException>(() => ScenarioFile.Load(path));
            Assert.StartsWith(path + ": networks.internet:", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
