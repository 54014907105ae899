using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Nexodus.Mesh.Netsim;

namespace Nexodus.Mesh.EndToEnd.Tests;

/// <summary>Traffic through the tunnel between two nodes: ping (iputils in the namespace) and a TCP transfer with a checksum.</summary>
internal static class TunnelProbe
{
    private static int _nextPort = 7000;

    /// <summary>Pings every 50 ms until the first reply; returns how long that took, or null after <paramref name="timeout"/>.</summary>
    public static async Task<TimeSpan?> FirstPingAsync(LabHost from, string to, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        var r = await from.ExecAsync(["ping", "-n", "-q", "-c", "1", "-i", "0.05", "-w", ((int)Math.Ceiling(timeout.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture), to], timeout + TimeSpan.FromSeconds(5));
        return r.Succeeded ? watch.Elapsed : null;
    }

    /// <summary>
    /// Time to the first packet through the tunnel, measured without spawning anything: a UDP echo responder on
    /// <paramref name="to"/>'s tunnel address and a sender in <paramref name="from"/>'s namespace that sends a probe
    /// every 20 ms until the first echo comes back (a process start under load took longer than the tunnel did).
    /// </summary>
    public static async Task<TimeSpan?> FirstEchoAsync(LabHost from, LabHost to, string toTunnelIp, TimeSpan timeout)
    {
        var port = Interlocked.Increment(ref _nextPort);
        var target = new IPEndPoint(IPAddress.Parse(toTunnelIp), port);
        using var cts = new CancellationTokenSource(timeout);
        using var responder = to.OpenUdpSocket(target);
        using var sender = from.OpenUdpSocket();
        var echo = Task.Run(async () =>
        {
            var buffer = new byte[64];
            try
            {
                while (!cts.IsCancellationRequested)
                {
                    var r = await responder.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), cts.Token);
                    await responder.SendToAsync(buffer.AsMemory(0, r.ReceivedBytes), SocketFlags.None, r.RemoteEndPoint, cts.Token);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
            }
        });
        var watch = Stopwatch.StartNew();
        var probe = new byte[16];
        var reply = new byte[64];
        try
        {
            while (!cts.IsCancellationRequested)
            {
                try
                {
                    await sender.SendToAsync(probe, SocketFlags.None, target, cts.Token);
                }
                catch (SocketException)
                {
                    // No route yet (interface not up): try again on the next tick.
                }

                using var wait = CancellationTokenSource.CreateLinkedTokenSource(cts.Token);
                wait.CancelAfter(TimeSpan.FromMilliseconds(20));
                try
                {
                    await sender.ReceiveFromAsync(reply, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), wait.Token);
                    return watch.Elapsed;
                }
                catch (OperationCanceledException) when (!cts.IsCancellationRequested)
                {
                }
            }

            return null;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
        finally
        {
            await cts.CancelAsync();
            await echo;
        }
    }

    /// <summary>Sends <paramref name="bytes"/> random bytes from <paramref name="from"/> to a listener on <paramref name="to"/>'s tunnel address; true when the SHA-256 on the far side matches.</summary>
    public static Task<(bool Ok, string Detail)> TransferAsync(LabHost from, LabHost to, string toTunnelIp, int bytes, TimeSpan timeout) =>
        TransferAsync(from, to, toTunnelIp, RandomNumberGenerator.GetBytes(bytes), timeout);

    /// <summary>Sends <paramref name="payload"/> over TCP through the tunnel; true when the far side's SHA-256 matches.</summary>
    public static async Task<(bool Ok, string Detail)> TransferAsync(LabHost from, LabHost to, string toTunnelIp, byte[] payload, TimeSpan timeout)
    {
        var port = Interlocked.Increment(ref _nextPort);
        var expected = Convert.ToHexString(SHA256.HashData(payload));
        using var cts = new CancellationTokenSource(timeout);
        using var listener = to.OpenTcpListener(new IPEndPoint(IPAddress.Parse(toTunnelIp), port));
        var receive = Task.Run(async () =>
        {
            using var conn = await listener.AcceptAsync(cts.Token);
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[64 * 1024];
            long total = 0;
            int n;
            while ((n = await conn.ReceiveAsync(buffer, SocketFlags.None, cts.Token)) > 0)
            {
                sha.AppendData(buffer, 0, n);
                total += n;
            }

            return (Convert.ToHexString(sha.GetHashAndReset()), total);
        });
        try
        {
            using (var client = await ConnectWithRetryAsync(from, new IPEndPoint(IPAddress.Parse(toTunnelIp), port), cts.Token))
            {
                var sent = 0;
                while (sent < payload.Length)
                {
                    sent += await client.SendAsync(payload.AsMemory(sent), SocketFlags.None, cts.Token);
                }

                client.Shutdown(SocketShutdown.Send);
                var (hash, total) = await receive;
                return (hash == expected, $"{total} bytes received, sha256 {(hash == expected ? "match" : "MISMATCH")}");
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException)
        {
            return (false, $"transfer {from.Name} -> {to.Name} ({toTunnelIp}:{port}) failed: {e.GetType().Name} {e.Message}");
        }
    }

    private static async Task<Socket> ConnectWithRetryAsync(LabHost from, IPEndPoint to, CancellationToken ct)
    {
        while (true)
        {
            try
            {
                return await from.ConnectTcpAsync(to, ct);
            }
            catch (SocketException) when (!ct.IsCancellationRequested)
            {
                await Task.Delay(200, ct);
            }
        }
    }
}
