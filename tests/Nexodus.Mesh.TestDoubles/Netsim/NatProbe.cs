using System.Net;
using Nexodus.Mesh.Netsim;
using Nexodus.Mesh.Netsim.Scenarios;

namespace Nexodus.Mesh.TestDoubles.Netsim;

/// <summary>
/// Classifies the NAT path from a lab host to a <see cref="UdpObserver"/> with real packets, in the manner of
/// RFC 5780 §4.3 (mapping) and §4.4 (filtering), plus hairpinning (RFC 4787 §6).
/// </summary>
public static class NatProbe
{
    /// <summary>How long a probe that should arrive may take; one that must not arrive is given as long.</summary>
    public static TimeSpan Patience { get; set; } = TimeSpan.FromMilliseconds(700);

    public static async Task<NatProbeResult> ClassifyAsync(LabHost host, UdpObserver observer)
    {
        var mapping = await ProbeMappingAsync(host, observer);
        if (mapping.UdpBlocked)
        {
            return mapping;
        }

        return mapping with { Filtering = await ProbeFilteringAsync(host, observer) };
    }

    /// <summary>Sends from one socket to (A1,P1), (A1,P2), (A2,P1) and compares the observed source endpoints.</summary>
    public static async Task<NatProbeResult> ProbeMappingAsync(LabHost host, UdpObserver observer)
    {
        await using var probe = new ProbeSocket(host);
        var m11 = await SendAndObserveAsync(probe, observer, observer.Endpoint(0, 0));
        if (m11 is null)
        {
            return new NatProbeResult(MappingBehavior.None, FilteringBehavior.None, null, null, null, UdpBlocked: true);
        }

        var m12 = await SendAndObserveAsync(probe, observer, observer.Endpoint(0, 1));
        var m21 = await SendAndObserveAsync(probe, observer, observer.Endpoint(1, 0));
        var local = new IPEndPoint(host.Address, probe.LocalEndPoint.Port);
        MappingBehavior behavior;
        if (m11.Equals(local) && local.Equals(m12) && local.Equals(m21))
        {
            behavior = MappingBehavior.None;
        }
        else if (m11.Equals(m12) && m11.Equals(m21))
        {
            behavior = MappingBehavior.EndpointIndependent;
        }
        else if (m11.Equals(m12))
        {
            behavior = MappingBehavior.AddressDependent;
        }
        else
        {
            behavior = MappingBehavior.AddressAndPortDependent;
        }

        return new NatProbeResult(behavior, FilteringBehavior.None, m11, m12, m21, UdpBlocked: false);
    }

    /// <summary>
    /// Opens a mapping towards (A1,P1) only, then has the observer send to it from (A2,P2), (A2,P1) and (A1,P2):
    /// whatever arrives tells the filtering. A reply from (A1,P1) must always arrive (sanity check).
    /// </summary>
    public static async Task<FilteringBehavior> ProbeFilteringAsync(LabHost host, UdpObserver observer)
    {
        await using var probe = new ProbeSocket(host);
        var mapped = await SendAndObserveAsync(probe, observer, observer.Endpoint(0, 0))
            ?? throw new InvalidOperationException($"no UDP gets from {host.Name} to the observer; cannot probe filtering");

        var fromOtherAddressAndPort = await InboundArrivesAsync(probe, observer, observer.Endpoint(1, 1), mapped);
        var fromOtherAddress = await InboundArrivesAsync(probe, observer, observer.Endpoint(1, 0), mapped);
        var fromOtherPort = await InboundArrivesAsync(probe, observer, observer.Endpoint(0, 1), mapped);
        var fromSame = await InboundArrivesAsync(probe, observer, observer.Endpoint(0, 0), mapped);
        if (!fromSame)
        {
            throw new InvalidOperationException($"even replies from the contacted endpoint do not reach {host.Name}; the path is broken");
        }

        if (mapped.Address.Equals(host.Address) && fromOtherAddressAndPort && fromOtherAddress && fromOtherPort)
        {
            return FilteringBehavior.None;
        }

        return (fromOtherAddressAndPort && fromOtherAddress, fromOtherPort) switch
        {
            (true, true) => FilteringBehavior.EndpointIndependent,
            (false, true) => FilteringBehavior.AddressDependent,
            (false, false) => FilteringBehavior.AddressAndPortDependent,
            _ => throw new InvalidOperationException("packets from another address pass but from another port of the same address do not: no RFC 4787 filtering behaves like that"),
        };
    }

    /// <summary>
    /// True when <paramref name="sender"/> reaches <paramref name="receiver"/> (both behind the same NAT) through
    /// the receiver's public mapping. <paramref name="seenSource"/> is the source the receiver saw: with proper
    /// hairpinning it is the sender's public mapping, not its private address.
    /// </summary>
    public static async Task<(bool Reached, IPEndPoint? SeenSource, IPEndPoint? SenderMapping)> ProbeHairpinAsync(LabHost sender, LabHost receiver, UdpObserver observer)
    {
        await using var rx = new ProbeSocket(receiver);
        await using var tx = new ProbeSocket(sender);
        var receiverMapping = await SendAndObserveAsync(rx, observer, observer.Endpoint(0, 0))
            ?? throw new InvalidOperationException($"{receiver.Name} cannot reach the observer");
        var senderMapping = await SendAndObserveAsync(tx, observer, observer.Endpoint(0, 0))
            ?? throw new InvalidOperationException($"{sender.Name} cannot reach the observer");
        var token = NewToken("hairpin");
        await tx.SendAsync(receiverMapping, token);
        var seen = await rx.WaitForAsync(token, Patience);
        return (seen is not null, seen, senderMapping);
    }

    /// <summary>Sends a token to <paramref name="to"/> and returns the source the observer saw, or null.</summary>
    public static async Task<IPEndPoint?> SendAndObserveAsync(ProbeSocket probe, UdpObserver observer, IPEndPoint to)
    {
        var token = NewToken("out");
        // Three tries: the first packet of a flow can race ARP on a fresh veth.
        for (var i = 0; i < 3; i++)
        {
            await probe.SendAsync(to, token);
            var seen = await observer.WaitForAsync(token, Patience / 2);
            if (seen is not null)
            {
                return seen;
            }
        }

        return null;
    }

    /// <summary>True when a datagram from the observer socket <paramref name="from"/> to the mapping arrives.</summary>
    public static async Task<bool> InboundArrivesAsync(ProbeSocket probe, UdpObserver observer, IPEndPoint from, IPEndPoint mapping)
    {
        var token = NewToken("in");
        await observer.SendAsync(from, mapping, token);
        return await probe.WaitForAsync(token, Patience) is not null;
    }

    public static string NewToken(string kind) => $"{kind}-{Guid.NewGuid():N}";
}
