using System.Net;
using System.Net.NetworkInformation;
using Nexodus.Mesh.Stun.Codec;

namespace Nexodus.Mesh.Stun.Client;

/// <summary>
/// RFC 5780 NAT behaviour discovery against a server with two IPs and two ports. Works on any
/// <see cref="StunClient"/>, so it can run on a socket the caller owns (the node's data socket) — which is
/// why the filtering tests come first: once the mapping tests have sent to the alternate address, a
/// filtering NAT would let the alternate's answers through and every NAT would look endpoint-independent.
/// </summary>
public sealed class NatBehaviorDiscovery(StunClient client, NatBehaviorDiscoveryOptions? options = null)
{
    private readonly NatBehaviorDiscoveryOptions _options = options ?? new NatBehaviorDiscoveryOptions();

    /// <param name="server">The server's primary address.</param>
    /// <param name="localEndPoint">The socket's local address if known; used to tell "no NAT" from "NAT".</param>
    public async Task<NatBehaviorReport> DiscoverAsync(IPEndPoint server, IPEndPoint? localEndPoint = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(server);
        var notes = new List<string>();

        // Test I: plain binding to the primary address.
        var first = await client.BindAsync(server, StunChangeRequest.None, _options.Binding, cancellationToken);
        if (first.Status == StunBindingStatus.Timeout)
        {
            return new NatBehaviorReport { Server = server, UdpBlocked = true, LocalEndPoint = localEndPoint, Notes = [$"no answer from {server} after {first.Transmissions} transmissions in {first.Elapsed.TotalSeconds:0.#} s"] };
        }

        if (!first.IsSuccess)
        {
            notes.Add($"server answered {first.ErrorCode} {first.ErrorReason}");
            return new NatBehaviorReport { Server = server, LocalEndPoint = localEndPoint, Notes = notes };
        }

        var mapped = first.MappedAddress!;
        var behindNat = localEndPoint is null ? (bool?)null : !IsLocal(mapped, localEndPoint);
        var other = first.OtherAddress;
        var mapping = NatMapping.Unknown;
        var filtering = NatFiltering.Unknown;
        if (other is null)
        {
            notes.Add("the server sent no OTHER-ADDRESS, so it cannot run the RFC 5780 mapping and filtering tests");
        }
        else if (other.Address.Equals(server.Address) || other.Port == server.Port)
        {
            notes.Add($"the server's OTHER-ADDRESS {other} does not differ in both IP and port; mapping and filtering not tested");
            other = null;
        }

        if (other is not null)
        {
            filtering = await TestFilteringAsync(server, notes, cancellationToken);
            mapping = await TestMappingAsync(server, other, mapped, notes, cancellationToken);
        }

        bool? hairpin = null;
        if (_options.TestHairpinning)
        {
            hairpin = await client.ProbeHairpinAsync(mapped, _options.Probe, cancellationToken);
        }

        return new NatBehaviorReport
        {
            Server = server,
            LocalEndPoint = localEndPoint,
            MappedAddress = mapped,
            BehindNat = behindNat,
            Mapping = behindNat == false ? NatMapping.EndpointIndependent : mapping,
            Filtering = filtering,
            Hairpinning = hairpin,
            OtherAddress = other,
            Notes = notes,
        };
    }

    /// <summary>RFC 5780 §4.4: ask for the answer from the other IP and port, then from the other port only.</summary>
    private async Task<NatFiltering> TestFilteringAsync(IPEndPoint server, List<string> notes, CancellationToken cancellationToken)
    {
        var both = await client.BindAsync(server, StunChangeRequest.ChangeIpAndPort, _options.Probe, cancellationToken);
        if (both.IsSuccess)
        {
            return NatFiltering.EndpointIndependent;
        }

        if (both.Status == StunBindingStatus.ErrorResponse)
        {
            notes.Add($"the server refused CHANGE-REQUEST: {both.ErrorCode} {both.ErrorReason}");
            return NatFiltering.Unknown;
        }

        var port = await client.BindAsync(server, StunChangeRequest.ChangePort, _options.Probe, cancellationToken);
        return port.IsSuccess ? NatFiltering.AddressDependent : NatFiltering.AddressAndPortDependent;
    }

    /// <summary>RFC 5780 §4.3: compare the mapping seen by the alternate IP, then by the alternate IP and port.</summary>
    private async Task<NatMapping> TestMappingAsync(IPEndPoint server, IPEndPoint other, IPEndPoint mapped, List<string> notes, CancellationToken cancellationToken)
    {
        var second = await client.BindAsync(new IPEndPoint(other.Address, server.Port), StunChangeRequest.None, _options.Binding, cancellationToken);
        if (!second.IsSuccess)
        {
            notes.Add($"no answer from the server's alternate IP {other.Address}:{server.Port}; mapping unknown");
            return NatMapping.Unknown;
        }

        if (second.MappedAddress!.Equals(mapped))
        {
            return NatMapping.EndpointIndependent;
        }

        var third = await client.BindAsync(other, StunChangeRequest.None, _options.Binding, cancellationToken);
        if (!third.IsSuccess)
        {
            notes.Add($"no answer from the server's alternate address {other}; mapping unknown");
            return NatMapping.Unknown;
        }

        return third.MappedAddress!.Equals(second.MappedAddress) ? NatMapping.AddressDependent : NatMapping.AddressAndPortDependent;
    }

    private static bool IsLocal(IPEndPoint mapped, IPEndPoint local)
    {
        if (mapped.Port != local.Port)
        {
            return false;
        }

        if (!local.Address.Equals(IPAddress.Any) && !local.Address.Equals(IPAddress.IPv6Any))
        {
            return StunClient.Normalize(local).Address.Equals(mapped.Address);
        }

        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
            {
                if (unicast.Address.Equals(mapped.Address))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
