using System.Net;
using Nexodus.Mesh.Stun.Client;
using Nexodus.Mesh.TestDoubles.Sockets;

namespace Nexodus.Mesh.Stun.Tests.Client;

/// <summary>Every mapping × filtering combination through the in-memory NAT, against the real responder.</summary>
public sealed class NatBehaviorDiscoveryInMemoryTests
{
    private static readonly IPEndPoint Primary = new(IPAddress.Parse("192.0.2.1"), 3478);
    private static readonly IPAddress AlternateIp = IPAddress.Parse("192.0.2.2");
    private static readonly IPAddress External = IPAddress.Parse("203.0.113.5");

    private static readonly NatBehaviorDiscoveryOptions FastOptions = new()
    {
        Binding = new StunRetransmissionOptions { InitialRto = TimeSpan.FromMilliseconds(100), RequestCount = 3, LastWaitMultiplier = 4 },
        Probe = new StunRetransmissionOptions { InitialRto = TimeSpan.FromMilliseconds(50), RequestCount = 2, LastWaitMultiplier = 4 },
    };

    public static TheoryData<NatMapping, NatFiltering, bool> Combinations
    {
        get
        {
            var data = new TheoryData<NatMapping, NatFiltering, bool>();
            foreach (var m in new[] { NatMapping.EndpointIndependent, NatMapping.AddressDependent, NatMapping.AddressAndPortDependent })
            {
                foreach (var f in new[] { NatFiltering.EndpointIndependent, NatFiltering.AddressDependent, NatFiltering.AddressAndPortDependent })
                {
                    data.Add(m, f, true);
                }
            }

            data.Add(NatMapping.EndpointIndependent, NatFiltering.EndpointIndependent, false);
            data.Add(NatMapping.AddressAndPortDependent, NatFiltering.AddressAndPortDependent, false);
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Combinations))]
    public async Task DiscoverAsync_BehindNat_ClassifiesMappingFilteringAndHairpin(NatMapping mapping, NatFiltering filtering, bool hairpin)
    {
        var network = new InMemoryDatagramNetwork();
        await using var server = new InMemoryStunServer(network, Primary, AlternateIp, 3479);
        await using var nat = new InMemoryNat(network, External, mapping, filtering, hairpin);

        var report = await new NatBehaviorDiscovery(nat.Client, FastOptions).DiscoverAsync(Primary, InMemoryNat.Inside);

        Assert.False(report.UdpBlocked);
        Assert.True(report.BehindNat);
        Assert.Equal(External, report.MappedAddress!.Address);
        Assert.Equal(mapping, report.Mapping);
        Assert.Equal(filtering, report.Filtering);
        // The looped-back probe must also pass the NAT's filter: with EIM it comes from the probed mapping
        // itself, with EIF anything passes; otherwise it comes from a fresh mapping the filter has never seen.
        var expectHairpin = hairpin && (mapping == NatMapping.EndpointIndependent || filtering == NatFiltering.EndpointIndependent);
        Assert.Equal(expectHairpin, report.Hairpinning);
        Assert.Equal(new IPEndPoint(AlternateIp, 3479), report.OtherAddress);
    }

    [Fact]
    public async Task DiscoverAsync_ServerWithoutAlternates_ReportsUnknownWithNote()
    {
        var network = new InMemoryDatagramNetwork();
        await using var server = new InMemoryStunServer(network, Primary);
        await using var nat = new InMemoryNat(network, External, NatMapping.EndpointIndependent, NatFiltering.EndpointIndependent, true);

        var report = await new NatBehaviorDiscovery(nat.Client, FastOptions).DiscoverAsync(Primary, InMemoryNat.Inside);

        Assert.Equal(NatMapping.Unknown, report.Mapping);
        Assert.Equal(NatFiltering.Unknown, report.Filtering);
        Assert.Contains(report.Notes, n => n.Contains("OTHER-ADDRESS", StringComparison.Ordinal));
        Assert.NotNull(report.MappedAddress);
    }

    [Fact]
    public async Task DiscoverAsync_UdpDropped_ReportsNoUdp()
    {
        var network = new InMemoryDatagramNetwork { Filter = _ => false };
        await using var server = new InMemoryStunServer(network, Primary, AlternateIp, 3479);
        await using var nat = new InMemoryNat(network, External, NatMapping.EndpointIndependent, NatFiltering.EndpointIndependent, true);

        var report = await new NatBehaviorDiscovery(nat.Client, FastOptions).DiscoverAsync(Primary, InMemoryNat.Inside);

        Assert.True(report.UdpBlocked);
        Assert.Null(report.MappedAddress);
        Assert.Equal(3, network.Sent.Count);
    }
}
