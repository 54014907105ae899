using System.Net;
using System.Net.Sockets;
using System.Text;
using Nexodus.Mesh.Netsim.Scenarios;

namespace Nexodus.Mesh.Netsim;

/// <summary>
/// UDP hole punching between two lab hosts, the way NAT traversal does it: both learn their public endpoint from
/// a rendezvous socket on a public host, then send to each other's learned endpoint while answering every packet
/// they receive at its source (a peer-reflexive reply). <see cref="Predict"/> gives the RFC 4787 expectation.
/// </summary>
public static class HolePunch
{
    /// <summary>Tries to punch a direct UDP path between <paramref name="a"/> and <paramref name="b"/>.</summary>
    /// <param name="a">One host.</param>
    /// <param name="b">The other host.</param>
    /// <param name="rendezvous">A public host; a UDP socket on its primary address, port 3478, tells each side its mapping.</param>
    /// <param name="timeout">How long both sides keep punching (default 2 s).</param>
    public static async Task<HolePunchResult> TryAsync(LabHost a, LabHost b, LabNode rendezvous, TimeSpan? timeout = null)
    {
        var window = timeout ?? TimeSpan.FromSeconds(2);
        using var server = rendezvous.OpenUdpSocket(new IPEndPoint(rendezvous.Address, 3478));
        using var sa = a.OpenUdpSocket();
        using var sb = b.OpenUdpSocket();
        using var stop = new CancellationTokenSource(window);

        var aMapping = await LearnMappingAsync(sa, server, "a", stop.Token);
        var bMapping = await LearnMappingAsync(sb, server, "b", stop.Token);
        if (aMapping is null || bMapping is null)
        {
            return new HolePunchResult(false, false, false, aMapping, bMapping, null, null);
        }

        var aDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var bDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var aSide = PunchAsync(sa, bMapping, "a", aDone, stop.Token);
        var bSide = PunchAsync(sb, aMapping, "b", bDone, stop.Token);
        // Both sides heard and were heard: done early. Otherwise punching goes on for the whole window.
        await Task.WhenAny(Task.WhenAll(aDone.Task, bDone.Task), Task.Delay(Timeout.Infinite, stop.Token).ContinueWith(_ => { }, TaskScheduler.Default));
        await stop.CancelAsync();
        var results = await Task.WhenAll(aSide, bSide);
        var aSaw = results[0];
        var bSaw = results[1];
        return new HolePunchResult(aSaw is not null && bSaw is not null, aSaw is not null, bSaw is not null, aMapping, bMapping, aSaw, bSaw);
    }

    /// <summary>
    /// Whether hole punching between hosts behind these two NATs should work (single NAT each side, no hairpin
    /// involved). A packet from X reaches Y at Y's learned endpoint when Y's NAT filters endpoint-independently,
    /// or address-dependently with an endpoint-independent mapping (so Y's punch towards X opened the learned
    /// port), or address-and-port-dependently with endpoint-independent mappings on both sides (so X's packet
    /// comes from exactly the endpoint Y punched towards). One direction suffices: the receiver answers at the source.
    /// </summary>
    public static bool Predict(NatSpec a, NatSpec b) => Direct(a, b) || Direct(b, a);

    private static bool Direct(NatSpec from, NatSpec to) => to.Filtering switch
    {
        FilteringBehavior.EndpointIndependent or FilteringBehavior.None => true,
        FilteringBehavior.AddressDependent => to.Mapping is MappingBehavior.EndpointIndependent or MappingBehavior.None,
        _ => to.Mapping is MappingBehavior.EndpointIndependent or MappingBehavior.None
            && from.Mapping is MappingBehavior.EndpointIndependent or MappingBehavior.None,
    };

    private static async Task<IPEndPoint?> LearnMappingAsync(Socket client, Socket server, string tag, CancellationToken ct)
    {
        var token = Encoding.ASCII.GetBytes($"hello-{tag}-{Guid.NewGuid():N}");
        var buffer = new byte[256];
        for (var attempt = 0; attempt < 5 && !ct.IsCancellationRequested; attempt++)
        {
            await client.SendToAsync(token, SocketFlags.None, server.LocalEndPoint!, ct);
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
            wait.CancelAfter(TimeSpan.FromMilliseconds(200));
            try
            {
                while (true)
                {
                    var r = await server.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), wait.Token);
                    if (buffer.AsSpan(0, r.ReceivedBytes).SequenceEqual(token))
                    {
                        return (IPEndPoint)r.RemoteEndPoint;
                    }
                }
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                // Retry: the first packet on a fresh path can be lost to ARP.
            }
            catch (OperationCanceledException)
            {
                return null;
            }
        }

        return null;
    }

    /// <summary>
    /// Sends punches to the peer's learned endpoint and acks whatever arrives, until <paramref name="stop"/>;
    /// completes <paramref name="done"/> once this side both heard the peer and was heard (got an ack).
    /// </summary>
    private static async Task<IPEndPoint?> PunchAsync(Socket socket, IPEndPoint peer, string tag, TaskCompletionSource done, CancellationToken stop)
    {
        IPEndPoint? seen = null;
        var acked = false;
        var punch = Encoding.ASCII.GetBytes($"punch-{tag}");
        var ack = Encoding.ASCII.GetBytes($"ack-{tag}");
        var sender = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await SendQuietlyAsync(socket, punch, peer);
                try
                {
                    await Task.Delay(50, stop);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }, CancellationToken.None);

        var buffer = new byte[256];
        try
        {
            while (true)
            {
                var r = await socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), stop);
                var from = (IPEndPoint)r.RemoteEndPoint;
                var text = Encoding.ASCII.GetString(buffer, 0, r.ReceivedBytes);
                if (text.StartsWith("punch-", StringComparison.Ordinal))
                {
                    seen ??= from;
                    await SendQuietlyAsync(socket, ack, from);
                }
                else if (text.StartsWith("ack-", StringComparison.Ordinal))
                {
                    seen ??= from;
                    acked = true;
                }

                if (acked && seen is not null)
                {
                    done.TrySetResult();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (SocketException)
        {
        }

        await sender;
        return seen;
    }

    private static async Task SendQuietlyAsync(Socket socket, byte[] payload, IPEndPoint to)
    {
        try
        {
            await socket.SendToAsync(payload, SocketFlags.None, to);
        }
        catch (SocketException)
        {
            // A refused send is a lost punch.
        }
    }
}
